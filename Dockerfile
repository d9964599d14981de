# syntax=docker/dockerfile:1
#
# An article5 node in a container: a static binary on a minimal, non-root
# base image (distroless static: CA certificates, tzdata, no shell, no
# package manager). Build it from the repository root:
#
#   docker build -t article5 --build-arg VERSION=$(git describe --tags --always) \
#       --build-arg COMMIT=$(git rev-parse HEAD) .
#
# That default image has no browser, so it cannot print case briefs to PDF
# (GET /cases/{id}/brief.pdf answers 503). The image that can is the
# with-chromium target: the same binary on Debian slim with Debian's
# chromium and a Japanese font (larger, about 500 MB):
#
#   docker build --target with-chromium -t article5:with-chromium .
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

# The image that also prints case briefs to PDF (headless Chromium).
FROM debian:bookworm-slim AS with-chromium
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-ipafont-gothic ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 65532 --home-dir /var/lib/article5 --shell /usr/sbin/nologin nonroot
COPY --from=build /out/article5 /usr/local/bin/article5
COPY --from=build --chown=65532:65532 /out/data /var/lib/article5
ENV ARTICLE5_ADDR=0.0.0.0:8405 \
    ARTICLE5_DATA_DIR=/var/lib/article5 \
    ARTICLE5_CHROMIUM=/usr/bin/chromium
VOLUME ["/var/lib/article5"]
USER 65532:65532
EXPOSE 8405
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/article5", "wait", "--server", "http://127.0.0.1:8405", "--timeout", "2s"]
ENTRYPOINT ["/usr/local/bin/article5"]
CMD ["serve"]

# The default image (the last stage): no browser.
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
