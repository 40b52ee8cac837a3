"""The gateways to the servers: instances and their clients, Sentinel and Cluster,
the RabbitMQ management API and AMQP, service calls and the problems they report."""
