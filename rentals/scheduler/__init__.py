"""The clock's edge of the app: APScheduler's wiring (``wiring``) and the scheduled jobs
(``jobs``), beside the pure ``schedules`` core they plan with, which imports nothing of
``rentals``. Dependencies point one way: ``rentals.scheduler`` -> services -> cores.
"""
