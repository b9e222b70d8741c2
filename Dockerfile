# syntax=docker/dockerfile:1.7
#
# One image for every Pyramydal task: the `pyramydal` CLI (and its `dispatch`
# service) and every worker executable. tasks/<kind>.json picks the command.
#
#   docker build -t pyramydal .
#
# The runtime stage is checked without a Docker engine by
# scripts/check-infra.sh: it unpacks exactly the packages of the
# `runtime-packages` line below into a folder and runs the release binaries
# there. Keep that line the one list of runtime packages.

# ---- build: the Swift toolchain on Debian 12 plus the C libraries' -dev packages
FROM swift:6.3-bookworm AS build

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config libpq-dev libcurl4-openssl-dev libzip-dev libxml2-dev zlib1g-dev libxlsxwriter-dev libhpdf-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests

# Every executable the tasks run; a missing one fails the build rather than a
# job in production.
ARG EXECUTABLES="pyramydal IngestWorker ExportWorker SnapshotWorker"

# --static-swift-stdlib: the binaries need only glibc and the C libraries.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && mkdir -p /out \
    && for exe in $EXECUTABLES; do install -m 0755 "$bin/$exe" /out/ || exit 1; done

# ---- runtime: slim Debian with only the shared libraries the binaries load
FROM debian:bookworm-slim AS runtime

# runtime-packages (scripts/check-infra.sh reads this RUN line)
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libpq5 libcurl4 libzip4 zlib1g libxml2 libxlsxwriter4 libhpdf-2.3.0 fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*

# The CA bundle RDS certificates chain to (sslmode=verify-full in
# PYRAMYDAL_DATABASE_URL, see infra/tofu/modules/database).
ADD --chmod=0644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /usr/local/share/pyramydal/rds-global-bundle.pem

RUN groupadd --system --gid 10001 pyramydal \
    && useradd --system --uid 10001 --gid pyramydal --home-dir /home/pyramydal --create-home --shell /usr/sbin/nologin pyramydal

COPY --from=build /out/ /usr/local/bin/
# tasks/<kind>.json: the local launcher (docker-compose.yml) reads the command
# and memory limit of each kind from ./tasks, relative to the working folder.
COPY tasks/ /home/pyramydal/tasks/

ENV PYRAMYDAL_LOG_FORMAT=json
USER 10001:10001
WORKDIR /home/pyramydal

# No ENTRYPOINT: the task definition's command names the executable
# (["IngestWorker"], ["pyramydal", "dispatch"], …).
CMD ["pyramydal", "--help"]
