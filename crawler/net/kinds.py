"""What a URL points to: page, image, video, audio or attachment — one set of file extensions.

`link_kind(url)` is the crawl's reading of a link (crawler.extract): the extension of the
path, or of a file name in the query (``download.jsp?filename=a.pdf``). `infer_kind(url,
kind)` is the link checker's: the kind the crawl gave, refined by the path's extension
(and data files such as ``.xml`` / ``.json``, which the crawl treats as pages because
list pages are served that way, are verified as attachments).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = [
    "ATTACHMENT_EXTS", "AUDIO_EXTS", "CHECK_KINDS", "DATA_EXTS", "IMAGE_EXTS", "KIND_CN", "MEDIA_KINDS",
    "TEXT_EXTS", "VIDEO_EXTS", "file_ext", "infer_kind", "link_kind",
]

IMAGE_EXTS = frozenset({"jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "ico", "tif", "tiff", "jfif", "avif"})
VIDEO_EXTS = frozenset({"mp4", "m4v", "mov", "webm", "mkv", "flv", "f4v", "ts", "avi", "wmv", "asf", "mpg", "mpeg",
                        "3gp", "m3u8", "rm", "rmvb", "ogv", "swf"})
AUDIO_EXTS = frozenset({"mp3", "wav", "ogg", "oga", "m4a", "aac", "flac", "wma", "amr", "opus", "mid", "midi"})
ATTACHMENT_EXTS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "rtf", "txt",
                             "csv", "zip", "rar", "7z", "ofd", "ceb", "odt", "ods", "odp", "tar", "gz"})
# Data files: pages to the crawl (hanweb/TRS serve lists as XML), attachments to the checker.
DATA_EXTS = frozenset({"xml", "json", "tsv"})
# Attachments read as text (personal data scan, error-page test).
TEXT_EXTS = frozenset({"txt", "csv", "tsv", "html", "htm", "xml", "json"})
# Server-side scripts: the real file name may be in the query.
SCRIPT_EXTS = frozenset({"jsp", "php", "asp", "aspx", "do", "action", "cgi", "htm", "html", "shtml"})

MEDIA_KINDS = ("image", "video", "audio", "attachment")
CHECK_KINDS = ("page", "external", *MEDIA_KINDS)
KIND_CN = {"page": "链接", "external": "外部链接", "image": "图片", "video": "视频", "audio": "音频",
           "attachment": "附件"}

_QUERY_FILE_RE = re.compile(r"\.([A-Za-z0-9]{2,5})(?:$|&)")
_BY_EXT = {**{e: "attachment" for e in ATTACHMENT_EXTS}, **{e: "image" for e in IMAGE_EXTS},
           **{e: "video" for e in VIDEO_EXTS}, **{e: "audio" for e in AUDIO_EXTS}}


def _path_ext(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _query_ext(query: str) -> str:
    m = _QUERY_FILE_RE.search(query)
    return m.group(1).lower() if m else ""


def file_ext(url: str, *, query: bool = False) -> str:
    """The lower-case extension of the URL's path ("" for none). With `query`, a file
    name in the query counts when the path is a script (``down.aspx?file=a.xlsx`` → xlsx)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    ext = _path_ext(parts.path)
    if query and (not ext or ext in SCRIPT_EXTS) and parts.query:
        ext = _query_ext(parts.query) or ext
    return ext


def link_kind(url: str, default: str = "page") -> str:
    """page | image | video | audio | attachment, from the URL's file extension (also a
    file name in the query: ``download.jsp?filename=a.pdf``); `default` when none says."""
    return _BY_EXT.get(file_ext(url, query=True), default)


def infer_kind(url: str, kind: str) -> str:
    """The kind to verify a link as: the crawl's kind, refined by the path's extension
    (an image extension only refines a non-page kind: an <a> to a .jpg was already typed)."""
    if kind in MEDIA_KINDS:
        return kind
    ext = file_ext(url)
    if ext in DATA_EXTS:
        return "attachment"
    found = _BY_EXT.get(ext, "page")
    if found == "image" and kind == "page":
        return "page"
    return found
