"""Background jobs: a durable queue on the relational store, worker processes, scheduled jobs.

`service.JobService` is the API (enqueue, status and progress, recent jobs, cancel, retry failed files);
`worker.Worker` runs the jobs; `store.JobStore` holds their state; `transport` wakes workers up (huey).
"""
