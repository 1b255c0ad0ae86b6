"""gridops: a grid-based urban operations event router (网格化管理 城运事件派遣)."""

__version__ = "0.1.0"
