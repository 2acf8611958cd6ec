"""Why a URL could not be fetched, in the inspector's words: the crawl's failure codes
(`PageRecord.error`: dns, refused, timeout …) → Chinese labels.

One small function for every place a user reads a failure (CLI summary, report banner,
"无法判断" messages). The table will move into the consolidated failure codes of
crawler.net; callers keep calling `failure_reason`.
"""
from __future__ import annotations

FAILURE_CN = {
    "timeout": "请求超时", "dns": "域名无法解析", "dns-temp": "域名解析暂时失败", "refused": "连接被拒绝",
    "connection": "连接中断", "tls": "HTTPS 证书或加密连接错误", "too-large": "页面过大（超过大小上限）",
    "bad-encoding": "内容压缩编码损坏", "redirect-loop": "重定向循环或次数过多",
    "redirects": "重定向循环或次数过多", "refused-private-address": "跳转到内网地址，已拒绝访问",
    "robots": "robots.txt 禁止抓取", "ignored": "已跳过", "cancelled": "已取消", "offsite": "跳转到其他网站",
}


def failure_reason(code: str | None, status: int | None = 0) -> str:
    """'域名无法解析', '首页返回 HTTP 500', … — never a bare code such as `dns`."""
    c = (code or "").strip()
    if c.startswith("challenge:"):
        return f"防护验证页面（{c.split(':', 1)[1]}），非站点故障"
    if c:
        return FAILURE_CN.get(c, "网络错误" if c.isascii() and " " not in c else c)
    if status:
        return f"HTTP {status}"
    return "无响应"
