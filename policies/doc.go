// Package policies is the routing policy of Exercise Access: it implements
// domain.Router by evaluating a policy file, YAML with CEL conditions, that
// says whether a request is eligible, which stages (approver role, order,
// approvals, SLA) it must pass and when it takes the fast track.
//
// What lives here: the policy file format and its loader (Load, LoadDir,
// Default), the one CEL environment with the declared schema of the facts a
// condition can see (facts.go, env.go), the evaluation of a loaded Policy
// (Route), notice rules (lead times that name the earliest acceptable
// start, notice.go), and a policy's example cases in tests/*.yaml with their
// runner (cases.go, casesrun.go; `exaccess policy test`). The default policy
// and its cases are embedded from default/.
//
// Rules of the package:
//   - Policies are data. Every condition is compiled and type-checked when
//     the file is loaded, and must be a bool; a policy with any error is not
//     returned at all, and every error names file and line. Nothing is
//     compiled per request.
//   - Deny by default: unknown keys, anchors, unknown roles, non-approver
//     roles, duplicate ids and missing fields are errors; no field has a
//     default; Route returns an error, never an empty route, when no stage
//     applies or a condition fails to evaluate.
//   - The clock is injected: Route reads RoutingInput.Today, never time.Now.
//   - The fast track only removes reviews: a kept stage's extra condition
//     narrows it, and the loader refuses a fast track that drops or narrows
//     a ministry stage (the law keeps those decisions on every route).
//   - A Policy is immutable after loading and safe for concurrent use.
//
// What must not live here: storage, HTTP, the computation of due dates
// (domain.BuildRoute does that from the planned stages), reference data
// lookups (the caller passes the domain.Nation), and business rules in Go
// code. A rule about who decides belongs in the policy file; Go code only
// derives facts from the request. docs/policies.md is the author's guide
// and lists every fact; change it with facts.go.
package policies
