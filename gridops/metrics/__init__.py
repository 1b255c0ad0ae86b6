"""gridops.metrics: the indicators supervisors audit (评价指标), the composite score and grade,
report periods, and what-if replay. Pure: counts come in from gridops.store.rollups."""

from gridops.metrics.config import Band, IndicatorConfig, Term, load_indicator_config
from gridops.metrics.indicators import BY_NAME, INDICATORS, Indicator, Rate, rate, rates
from gridops.metrics.periods import Period, parse_period
from gridops.metrics.report import ReportRow, build_report, split_name
from gridops.metrics.score import Score, composite, count_score, grade_of

__all__ = [
    "BY_NAME",
    "INDICATORS",
    "Band",
    "Indicator",
    "IndicatorConfig",
    "Period",
    "Rate",
    "ReportRow",
    "Score",
    "Term",
    "build_report",
    "composite",
    "count_score",
    "grade_of",
    "load_indicator_config",
    "parse_period",
    "rate",
    "rates",
    "split_name",
]
