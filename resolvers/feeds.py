"""The Atom feed of resolutions (Django syndication).

Atom1Feed writes the description as `<summary type="html">`: a feed reader takes its
text, once the XML is read, as HTML. A rationale is plain text (often quoted from a
fetched page), so it is HTML-escaped here, once; the XML writer then escapes that for XML.
A reader so shows `<script>` and `&amp;` as written, and never runs or parses them.
"""

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from resolvers.models import Resolution


class ResolutionsFeed(Feed):
    feed_type = Atom1Feed
    title = "Hindsight: resolutions"
    link = "/"
    subtitle = "Outcomes proposed, confirmed, overridden and annulled, newest first."

    def items(self) -> QuerySet[Resolution]:
        return (
            Resolution.objects.filter(question__published_at__isnull=False)
            .select_related("question", "outcome_option")
            .order_by("-created_at", "-pk")[:50]
        )

    def item_title(self, item: Resolution) -> str:
        return f"{item.question.title}: {item.outcome_label} ({item.get_state_display().lower()})"

    def item_description(self, item: Resolution) -> str:
        superseded = " Superseded since." if item.superseded_at else ""
        return escape(f"Known on {item.known_on:%Y-%m-%d}. {item.rationale}{superseded}")

    def item_link(self, item: Resolution) -> str:
        return f"/questions/{item.question.slug}/#resolution-{item.pk}"

    def item_guid(self, item: Resolution) -> str:
        return f"hindsight-resolution-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Resolution):  # type: ignore[no-untyped-def]
        return item.created_at

    def item_updateddate(self, item: Resolution):  # type: ignore[no-untyped-def]
        return item.superseded_at or item.finalized_at or item.created_at
