# kubectl-imagewatch for in-cluster `run --watch` (see deploy/)
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client gnupg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir . && rm -rf /src
USER 65532:65532
ENTRYPOINT ["kubectl-imagewatch"]
CMD ["run", "--from-cluster", "--all-namespaces", "--watch", "--write-status", "--leader-elect", "--log-format=json", "--metrics-addr=:8080"]
