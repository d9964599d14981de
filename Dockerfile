# syntax=docker/dockerfile:1
#
# An article5 node in a container: a static binary on a minimal, non-root
# base image (distroless static: CA certificates, tzdata, no shell, no
# package manager). Build it from the repository root:
#
#   docker build -t article5 --build-arg VERSION=$(git describe --tags --always) \
#       --build-arg COMMIT=$(git rev-parse HEAD) .
#
# The node's data dir is the volume /var/lib/article5 (the SQLite store,
# login-device.key and published-head.note; with PostgreSQL only the two
# files). compose.yaml runs it with PostgreSQL; docs/operations.md says how
# to back it up.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=
ARG DATE=
# The same build command as scripts/release.sh and .ci/run.
RUN VERSION="$VERSION" COMMIT="$COMMIT" DATE="$DATE" scripts/build.sh /out/article5 \
    && /out/article5 version \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/article5 /usr/local/bin/article5
COPY --from=build --chown=65532:65532 /out/data /var/lib/article5
ENV ARTICLE5_ADDR=0.0.0.0:8405 \
    ARTICLE5_DATA_DIR=/var/lib/article5
VOLUME ["/var/lib/article5"]
USER 65532:65532
EXPOSE 8405
# No curl in the image: the binary checks itself. 'article5 wait' exits
# non-zero unless /readyz answers 200 within 2 s (behind TLS, give
# --server https://127.0.0.1:8405 and SSL_CERT_FILE).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/article5", "wait", "--server", "http://127.0.0.1:8405", "--timeout", "2s"]
ENTRYPOINT ["/usr/local/bin/article5"]
CMD ["serve"]
