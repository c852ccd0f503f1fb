"""Exports of customer data: spreadsheet-safe cells (`cells`), customer lists (`customers`)."""
