#!/usr/bin/env -S node --max-semi-space-size=32
// The compiled CLI; `npm ci` builds dist/ through the prepare script. A larger young generation
// (semi-space) halves scavenges under connection churn: +5–10% new connections/s (docs/benchmarks.md).
import '../dist/cli/main.js'
