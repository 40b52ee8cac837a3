import pytest


@pytest.fixture(autouse=True)
def _services(services):
    """Every test here talks to the private Redis and the test RabbitMQ vhost."""
