"""GDPR requests about one person: everything stored about them (`subject_access`), and their
erasure everywhere (`erase`), both admin-only and audited."""

from store.gdpr.erase import ErasureReport, erase_customer
from store.gdpr.subject_access import subject_access

__all__ = ["ErasureReport", "erase_customer", "subject_access"]
