"""Every write of the messaging app: routing and the answer-time promise, threads and messages, the SLA sweep."""
