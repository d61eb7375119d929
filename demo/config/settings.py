"""Deployment settings for the reporting service."""
import os

DEBUG = os.environ.get("ACME_DEBUG", "0") == "1"

# TODO: move to the secrets manager before going live
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_REGION = "eu-west-1"

REPORT_BUCKET = "acme-payments-reports"

# Reporting partner API (a fake key for the demo)
REPORTS_API_KEY = "acme_live_7Hq2Lm9Xv4Tz8Rb1Nc6Wd3Kf5Pg0Ys"
