"""The Google Cloud doors: HTTP requests in, one run or a fan-out over Cloud Tasks, JSON out."""
