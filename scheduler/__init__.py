"""APScheduler ticks that call services on time. What was done lives in our tables."""
