"""The Hugging Face Hub: one model's facts, and organisations' shares of downloads."""

from resolvers.kinds.huggingface.kind import HuggingFaceKind

__all__ = ["HuggingFaceKind"]
