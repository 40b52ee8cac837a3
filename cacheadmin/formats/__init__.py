"""Readers of what task frameworks write, in plain Python: no Django, nothing else of the
dashboard. Both the queue pages (queues) and the task pages (tasks) read them, and
those two capabilities may not import each other."""
