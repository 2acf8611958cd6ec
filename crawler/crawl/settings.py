"""Scrapy settings for govaudit: polite and bounded by default.

Government sites are small servers run by small teams: one request at a time per host,
AutoThrottle on, robots.txt obeyed unless the user says otherwise, an identifying
User-Agent, and hard bounds on page size, depth and page count. The ``GOVAUDIT_*``
settings configure the site spider, the store pipeline and link verification.

This module is also the one home of the crawl's defaults: the CLI, crawler.crawl.run and
the spider read them from here (``from crawler.crawl import settings as D``).
"""
from __future__ import annotations

from crawler.net.http import USER_AGENT as _USER_AGENT

BOT_NAME = "govaudit"
SPIDER_MODULES = ["crawler.crawl.spider"]
NEWSPIDER_MODULE = "crawler.crawl"

USER_AGENT = _USER_AGENT  # crawler.net.http: one identity for the crawl and the collectors
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

# -- politeness -------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16  # across all hosts (several sites may be crawled at once)
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 0.5  # the floor AutoThrottle never goes below
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# -- bounds ------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
# getaddrinfo-based: IPv6 literals and AAAA-only hosts work (the default resolver is IPv4-only);
# link-local addresses (169.254.169.254) are dropped even if DNS changes its answer mid-crawl
TWISTED_DNS_RESOLVER = "crawler.crawl.middlewares.GuardedHostnameResolver"
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # 10 MiB: larger responses are recorded as failures
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# Page URLs per crawl (0: no limit), counted by crawler.crawl.extensions.PageBudget in the
# order they are found, including those stored by an interrupted earlier run.
CLOSESPIDER_PAGECOUNT = 5000
# The spider enforces depth itself (pagination does not count as a level), so Scrapy's
# depth middleware only keeps statistics.
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 0
# Breadth-first: with a page budget, the homepage and first-level columns come first.
# The queue is on disk (a temporary directory, crawler.crawl.queues): a 50,000-page site
# queues tens of thousands of requests, which in memory would stay the process's high-water
# mark for the rest of the audit. GOVAUDIT_DISK_QUEUE = False keeps it in memory.
SCHEDULER = "crawler.crawl.queues.SpillScheduler"
SCHEDULER_DISK_QUEUE = "crawler.crawl.queues.RequestDiskQueue"
GOVAUDIT_DISK_QUEUE = True
GOVAUDIT_QUEUE_DIR = None  # where the temporary queue directory goes (default: the system's temp dir)
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
URLLENGTH_LIMIT = 2083

# -- retries: bounded, honouring Retry-After ---------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # a failure is recorded as a page, not an error of ours
GOVAUDIT_RETRY_AFTER_MAX = 120.0  # seconds; a longer Retry-After is not waited for

DOWNLOADER_MIDDLEWARES = {
    # the audited hosts, including hosts adopted during the crawl, not allowed_domains
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.crawl.middlewares.HostScopeMiddleware": 50,
    # verification during the crawl stops at GOVAUDIT_LINK_BUDGET (what is queued is dropped)
    "crawler.crawl.verify.LinkBudgetMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.middlewares.QuietRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.crawl.middlewares.SiteRedirectMiddleware": 600,
    # after robots.txt (its request is checked too), before redirects are followed
    "crawler.crawl.middlewares.NetGuardMiddleware": 650,
}

DOWNLOAD_HANDLERS = {
    "http": "crawler.crawl.middlewares.HTTPDownloadHandler",
    "https": "crawler.crawl.middlewares.HTTPDownloadHandler",
}

EXTENSIONS = {
    "scrapy.extensions.closespider.CloseSpider": None,
    "crawler.crawl.extensions.PageBudget": 0,  # CloseSpider, CLOSESPIDER_PAGECOUNT as page budget
    "crawler.crawl.extensions.CrawlStats": 0,
    "crawler.crawl.progress.CrawlProgress": 500,  # pages done/queued for the progress display
    "crawler.crawl.stopping.PromptClose": 510,  # a stop drops requests only queued in the downloader
}

# A meta-refresh stub is a page of its own (refresh_to): the spider follows it, on the
# audited hosts only, so Scrapy's middleware must not swallow it.
METAREFRESH_ENABLED = False

COOKIES_ENABLED = True
# an audit daemon opens no port: no telnet console, no remote control (it runs Python sent to it)
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"
HTTPCACHE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

ITEM_PIPELINES = {
    "crawler.crawl.pipelines.StorePipeline": 300,
}

# -- govaudit ----------------------------------------------------------------------------
GOVAUDIT_STORE = None  # SQLite path or SQLAlchemy URL; unset → pages are not stored
GOVAUDIT_STORE_BATCH = 50  # pages per store transaction
GOVAUDIT_RESUME = True  # continue an unfinished crawl of the same start URLs
GOVAUDIT_CRAWL_ID = None  # store into this crawl instead of opening one
GOVAUDIT_MAX_DEPTH = 10  # link levels below the start URLs (pagination adds none)
GOVAUDIT_MAX_LIST_PAGES = 300  # pages of one paginated list
GOVAUDIT_EXTRA_HOSTS: list[str] = []  # sibling hosts audited with the site (xxgk.example.gov.cn)
GOVAUDIT_NETGUARD = True  # refuse private/link-local targets of a public site (crawler.netguard)
GOVAUDIT_RENDER = "off"  # "auto": re-fetch pages whose menu/list is built by script (crawler.render)
GOVAUDIT_RENDER_MAX = 50  # pages rendered with a browser per crawl
GOVAUDIT_EXCLUDE: list[str] = []  # URL regexes never followed (sites.yaml `exclude:`, --exclude)
# link verification during the crawl (crawler.crawl.verify): images, attachments, off-site
# pages … verified as they are found, through the same downloader (the audit turns it on)
GOVAUDIT_VERIFY_LINKS = False
GOVAUDIT_MAX_LINKS = 20000  # URLs verified per audit (during and after the crawl); -1: no limit
GOVAUDIT_LINK_BUDGET: float | None = None  # seconds of verification, during and after the crawl together; None: no limit
