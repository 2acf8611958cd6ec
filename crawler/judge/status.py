"""The statuses a finding can have, and their Chinese labels (the one home: the evaluator
sets them, reports, exports and the CLI show them)."""
from __future__ import annotations

STATUS_CN = {"pass": "通过", "fail": "不通过", "pending": "未到期", "unknown": "无法判断", "waived": "已豁免",
             "not_applicable": "不适用"}
