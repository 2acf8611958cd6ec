"""Notice extractor: draft rule files from 政务公开工作要点任务分工 notices.

    from crawler.notice import extract_rules, write_draft
    doc = extract_rules(Path("notice.docx"))   # a rule-file dict, every rule draft: true
    write_draft(doc, Path("draft.yaml"))
"""
from __future__ import annotations

from crawler.notice.draft import extract_rules, main_extract, write_draft
from crawler.notice.readers import NoticeReadError, NoticeText, read_notice

__all__ = ["NoticeReadError", "NoticeText", "extract_rules", "main_extract", "read_notice", "write_draft"]
