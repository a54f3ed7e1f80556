"""Documents for the article extraction tests: pages shaped like real news and blog pages
(navigation, cookie banner, share buttons, related links, comments, footer around the
article), pages that withhold the article, and PDFs written byte by byte."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

NEWS_ARTICLE_PARAGRAPHS = (
    "The central bank is likely to cut interest rates at least twice before the end of 2025, "
    "according to an analysis of futures markets and recent statements by its governors.",
    "We put the chance that inflation falls below 2.5% by next June at 70%, which would give "
    "the committee room to move without looking as though it had lost its nerve.",
    "Unemployment will probably stay under 5% through 2026, even as growth slows and the "
    "housing market cools in the second half of next year.",
)
NEWS_ARTICLE_ITEMS = ("First cut in March 2025", "Second cut by September 2025")

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Rates will fall twice by 2025, says our analysis | The Daily Ledger</title>
  <meta property="og:title" content="Rates will fall twice by 2025, says our analysis">
  <meta name="author" content="Jane Doe">
  <meta property="article:published_time" content="2024-03-05T10:00:00Z">
  <script>window.dataLayer = [{{"page": "article"}}];</script>
  <style>.cookie-banner {{ position: fixed; }}</style>
</head>
<body>
  <div id="cookie-banner" class="cookie-banner">
    <p>We use cookies to improve your experience and to show you personalised adverts.</p>
    <button>Accept all cookies</button> <button>Manage preferences</button>
  </div>
  <header>
    <a href="/" class="logo">The Daily Ledger</a>
    <nav><ul>
      <li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
      <li><a href="/markets">Markets</a></li><li><a href="/opinion">Opinion</a></li>
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>Rates will fall twice by 2025, says our analysis</h1>
      <p class="byline">By <a href="/authors/jane-doe" rel="author">Jane Doe</a>,
        <time datetime="2024-03-05T10:00:00Z">5 March 2024</time></p>
      <div class="share"><a href="#">Share on X</a> <a href="#">Share by email</a></div>
      <p>{NEWS_ARTICLE_PARAGRAPHS[0]}</p>
      <p>{NEWS_ARTICLE_PARAGRAPHS[1]}</p>
      <ul><li>{NEWS_ARTICLE_ITEMS[0]}</li><li>{NEWS_ARTICLE_ITEMS[1]}</li></ul>
      <p>{NEWS_ARTICLE_PARAGRAPHS[2]}</p>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul><li><a href="/a">Ten things to know about bonds</a></li>
      <li><a href="/b">Our markets newsletter</a></li></ul>
    </aside>
    <section id="comments" class="comments">
      <h2>Comments (2)</h2>
      <div class="comment"><p class="comment-author">bondvigilante</p>
        <p>Nonsense. Rates will rise for ever and this paper has been wrong for a decade.</p>
      </div>
      <div class="comment"><p class="comment-author">marketwatcher</p>
        <p>Agreed with the first commenter, this is just wishful thinking from the editors.</p>
      </div>
    </section>
  </main>
  <footer>
    <p>Copyright 2024 The Daily Ledger Ltd. All rights reserved.</p>
    <ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms</a></li></ul>
  </footer>
</body>
</html>
"""

BLOG_POST_TEXT = (
    "I expect at least three frontier labs to release open-weight models above 400B "
    "parameters by the end of 2026.",
    "My confidence is about 80%, mostly because the incentives to court developers are "
    "getting stronger rather than weaker.",
    "Compute costs will probably keep falling by roughly a third every year, which makes "
    "the bet cheaper for everyone involved.",
)

BLOG_PAGE = f"""<!doctype html>
<html>
<head>
  <meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
  <title>Notes from the lab: what I expect in 2026 &mdash; Sam's blog</title>
  <meta name="author" content="Sam Rivera">
  <script type="application/ld+json">
    {{"@type": "BlogPosting", "headline": "What I expect in 2026",
      "datePublished": "2025-01-02", "author": {{"@type": "Person", "name": "Sam Rivera"}}}}
  </script>
</head>
<body>
  <div class="site-header"><a href="/">Sam's blog</a> | <a href="/about">About</a>
    | <a href="/archive">Archive</a> | <a href="/subscribe">Subscribe by RSS</a></div>
  <div class="post">
    <h1 class="entry-title">What I expect in 2026</h1>
    <div class="entry-content">
      <p>{BLOG_POST_TEXT[0]}</p>
      <p>{BLOG_POST_TEXT[1]} Caf\xe9 talk aside, here is why.</p>
      <p>{BLOG_POST_TEXT[2]}</p>
    </div>
  </div>
  <div id="disqus_thread" class="comments-area">
    <h3>12 responses</h3>
    <ol class="comment-list"><li class="comment">
      <div class="comment-body"><p>Great post, though I think you are far too optimistic.</p>
      </div></li></ol>
  </div>
  <div class="footer">Powered by a static site generator. Theme by someone else.</div>
</body>
</html>
"""

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Sign in | The Daily Ledger</title></head>
<body>
  <nav><a href="/">The Daily Ledger</a></nav>
  <main>
    <h1>Sign in to your account</h1>
    <form action="/login" method="post">
      <label>Email <input type="email" name="email"></label>
      <label>Password <input type="PASSWORD" name="password"></label>
      <button type="submit">Sign in</button>
    </form>
    <p><a href="/forgot">Forgotten your password?</a></p>
  </main>
</body></html>
"""

PAYWALL_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
  <title>Why oil will hit $120 by 2026 | The Daily Ledger</title>
  <meta property="article:content_tier" content="locked">
</head>
<body>
  <nav><a href="/">The Daily Ledger</a></nav>
  <article>
    <h1>Why oil will hit $120 by 2026</h1>
    <p>Supply discipline among the largest producers has changed the arithmetic of the market,
    and our analysts now think a sustained rise is more likely than not over the coming year.</p>
    <div class="paywall-prompt">
      <p>Subscribe to continue reading. Already a subscriber? Sign in.</p>
    </div>
  </article>
</body></html>
"""

PAYWALL_MARKERS = {
    "a paywall element": '<div class="Paywall-Overlay">Support our journalism.</div>',
    "a locked content tier": '<meta property="article:content_tier" content="locked">',
    "structured data saying it is not free": (
        '<script type="application/ld+json">{"isAccessibleForFree": "False"}</script>'
    ),
    "a subscription prompt": "<p>Subscribe to read the rest of this article.</p>",
    "a password field": '<form><input type="password" name="pw"></form>',
}

SHELL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Loading...</title></head>
<body>
  <nav><a href="/">Home</a> <a href="/news">News</a></nav>
  <div id="root"></div>
  <script src="/static/app.js"></script>
  <footer>Copyright 2024</footer>
</body></html>
"""


def teaser_page(marker: str) -> str:
    """A short teaser of an article, with ``marker`` somewhere on the page."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>A withheld story</title>{marker}</head>
<body><article><h1>A withheld story</h1>
<p>The committee will almost certainly hold rates next month, two people familiar with the
discussions said, although the minutes suggest a cut later in the year remains likely.</p>
{marker}</article></body></html>
"""


def long_article_page(marker: str) -> str:
    """A full article page that also carries ``marker`` (a log-in box in the header, say)."""
    paragraphs = "".join(f"<p>{text}</p>" for text in NEWS_ARTICLE_PARAGRAPHS * 3)
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>A free story</title></head>
<body><header>{marker}</header><article><h1>A free story</h1>{paragraphs}</article></body>
</html>
"""


# --- PDFs -------------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[list[str]], *, title: str = "", author: str = "") -> bytes:
    """A minimal PDF 1.4 whose pages show the given lines in Helvetica (a page of no lines
    has no text at all, like a scan); its Info dictionary carries title and author."""
    font_number = 3 + 2 * len(pages)
    info_number = font_number + 1
    objects: dict[int, str] = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: "<< /Type /Pages /Kids [{}] /Count {} >>".format(
            " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages))), len(pages)
        ),
        font_number: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info_number: f"<< /Title {_pdf_string(title)} /Author {_pdf_string(author)} >>",
    }
    for index, lines in enumerate(pages):
        page_number, content_number = 3 + 2 * index, 4 + 2 * index
        objects[page_number] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_number} 0 R >> >> "
            f"/Contents {content_number} 0 R >>"
        )
        shown = " ".join(f"{_pdf_string(line)} Tj T*" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 720 Td {shown} ET" if lines else ""
        objects[content_number] = f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream"

    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for number in sorted(objects):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_number} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def encrypted(pdf: bytes, password: str) -> bytes:
    """``pdf`` encrypted with a user password (RC4, which pypdf does without extra packages)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
