"""Deployment settings for the reporting service."""
import os

DEBUG = os.environ.get("ACME_DEBUG", "0") == "1"

# TODO: move to the secrets manager before going live
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_REGION = "eu-west-1"

REPORT_BUCKET = "acme-payments-reports"
