# syntax=docker/dockerfile:1

# One image holds both binaries: `leadworker run` (the worker) and `mykaarma-fake` (the fake
# myKaarma API for docker-compose and demos). Both are static (CGO_ENABLED=0).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ENV CGO_ENABLED=0 GOOS=linux GOFLAGS=-buildvcs=false
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/leadworker ./cmd/leadworker && \
    go build -trimpath -ldflags="-s -w" -o /out/mykaarma-fake ./cmd/mykaarma-fake

# Alpine rather than distroless: compose health checks need busybox wget.
FROM alpine:3.22 AS runtime
RUN apk add --no-cache ca-certificates && \
    addgroup -S -g 10001 leadworker && \
    adduser -S -D -H -u 10001 -G leadworker leadworker
COPY --from=build /out/leadworker /out/mykaarma-fake /usr/local/bin/
USER 10001:10001
EXPOSE 8080
CMD ["leadworker", "run"]
