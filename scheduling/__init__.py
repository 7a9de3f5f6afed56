"""scheduling: visit types and the rules that decide who may book them, provider availability,
appointments (no double booking: exclusion constraints), the waitlist and reminders."""
