"""Repairs and complaints: numbering, the status machine, use cases, queries, SLA jobs."""
