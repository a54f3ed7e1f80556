"""The ``github_releases`` kind: a release of a GitHub repository."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, config_object
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import api_base, json_body, parse_when, show_when, status_ok


class GitHubReleasesKind(ResolverKind):
    """A published (non-draft) release of a GitHub repository, from its 100 latest:
    tag matching ``tag_pattern`` (searched in tag_name), published on or after ``after``,
    prereleases only with ``include_prereleases``. A 404 (no such repository) is an error."""

    name = "github_releases"
    label = "GitHub release published"
    config_schema = config_object(
        {
            "owner": {"type": "string", "minLength": 1, "maxLength": 100},
            "repo": {"type": "string", "minLength": 1, "maxLength": 100},
            "tag_pattern": {"type": "string", "minLength": 1, "maxLength": 500},
            "include_prereleases": {"type": "boolean", "default": False},
            "after": DATE,
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["owner", "repo"],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        problems.name(config, "owner")
        problems.name(config, "repo")
        problems.regex(config, "tag_pattern")
        problems.when(config, "after", "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        owner, repo = quote(config["owner"], safe=""), quote(config["repo"], safe="")
        url = f"{api_base('github')}/repos/{owner}/{repo}/releases?per_page=100"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        return fetcher.fetch(url, headers=headers)

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        status_ok(evidence, "GitHub")
        releases = json_body(evidence, "GitHub")
        if not isinstance(releases, list):
            raise EvaluationError("GitHub's answer is not a list of releases")
        pattern = config.get("tag_pattern")
        after = parse_when(config.get("after"))
        prereleases = config.get("include_prereleases", False)
        matching = []
        for release in releases:
            if not isinstance(release, dict) or not isinstance(release.get("tag_name"), str):
                raise EvaluationError("a release in GitHub's answer has no tag_name")
            if release.get("draft") or (release.get("prerelease") and not prereleases):
                continue
            published = parse_when(release.get("published_at"))
            if published is None or (after is not None and published < after):
                continue
            if pattern and not re.search(pattern, release["tag_name"]):
                continue
            matching.append((published, release["tag_name"]))
        matching.sort()
        repo = f"{config['owner']}/{config['repo']}"
        wanted = "release" + ("" if prereleases else " (not prerelease)")
        if pattern:
            wanted += f" with a tag matching /{pattern}/"
        if after is not None:
            wanted += f" published on or after {show_when(after)}"
        if matching:
            published, tag = matching[0]
            measured = f"GitHub {repo}: {tag} published {show_when(published)} is a {wanted}" + (
                f" (of {len(matching)} such)" if len(matching) > 1 else ""
            )
            return decide(True, tag, measured, config, question, now)
        measured = f"GitHub {repo}: none of its {len(releases)} latest releases is a {wanted}"
        return decide(False, "0 matching releases", measured, config, question, now)
