# syntax=docker/dockerfile:1

# The published recipe: build static binaries in a Go image, run them on an empty (scratch) image
# with only CA certificates, as a non-root user, on a read-only root filesystem if you like.
#
#   docker build --target runtime       -t localhost/leadworker:dev .     # leadworker run
#   docker build --target mykaarma-fake -t localhost/mykaarma-fake:dev .  # the fake myKaarma
#
# The runtime image holds leadworker built with -tags nosandbox: no demo, no bench, no embedded
# broker, fake myKaarma or sample events (a test checks it). The fake's image adds mykaarma-fake.
# No shell, wget or curl: health checks use `leadworker probe ready|alive`. scripts/images.sh
# builds the stages after `build` as written, from binaries built outside (no registry needed):
# they may copy only /out/* and the CA bundle from `build`.
#
# The build context has no .git (.dockerignore), so `leadworker version` learns the version and
# the commit from build arguments (scripts/images.sh passes them):
#
#   docker build --target runtime -t localhost/leadworker:dev \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" --build-arg COMMIT="$(git rev-parse HEAD)" .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ENV CGO_ENABLED=0 GOOS=linux GOFLAGS=-buildvcs=false
ARG VERSION="(devel)"
ARG COMMIT=unknown
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -tags nosandbox -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/leadworker ./cmd/leadworker && \
    go build -trimpath -ldflags="-s -w" -o /out/mykaarma-fake ./cmd/mykaarma-fake

FROM scratch AS runtime
ARG VERSION="(devel)"
ARG COMMIT=unknown
LABEL org.opencontainers.image.title=leadworker \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.source=https://github.com/leadworker/leadworker
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/leadworker /usr/local/bin/
ENV PATH=/usr/local/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 10001:10001
EXPOSE 8080
CMD ["leadworker", "run"]

FROM runtime AS mykaarma-fake
COPY --from=build /out/mykaarma-fake /usr/local/bin/
EXPOSE 8089
CMD ["mykaarma-fake", "-addr", "0.0.0.0:8089"]
