// Package article5 holds the domain of article5: the terms of the
// Japan–U.S. Article V assessment (party, scope, tier, facts, findings,
// assessment) and the one error type with its codes.
//
// It imports neither database/sql nor net/http; the adapters (stix, geo,
// doctrine, assess, and later storage and transport) depend on it, never the
// reverse. See ../shared/DESIGN.md for the terms.
package article5
