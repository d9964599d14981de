package article5

import (
	"slices"
	"strconv"
)

// ReleaseRow is what the release rule reads of one stored object version
// (the columns a store keeps beside it: Audience): its TLP rank
// (MarkingRank; negative when unmarked, judged at Audience.DefaultRank),
// its created_by_ref and whether that claim is relayed (unproven), its
// custodian and its red_recipients.
type ReleaseRow struct {
	Rank      int
	CreatedBy string
	Relayed   bool
	Custodian string
	Red       []string
}

// CaseAudience returns the grants of a case whose evidence index names
// rows (the versions it holds of them; an evidence id it does not hold
// counts for nothing): the keys under which a store files the case so
// that a page of the cases an audience may see is read from an index
// (Audience.Grants gives the keys to look under). A case is released to
// an audience exactly when the two lists share a key, which is exactly
// when every row is released to it (Audience; release.Policy.Releasable,
// a property test holds the three together). A case with no evidence
// index has no grants: call CaseAudience only for a case that has one.
//
// Shape of a key: "<principal>|<bucket>[u]". The principal is "" (anyone),
// "o:<org>" (a recipient of that organisation), "s:<subject>" (that user
// or token) or "p:<len(org)>:<org><subject>" (the two together). The
// bucket is the recipient's ceiling ("n" below 0, "0" … "3", "4" at 4 or
// above); "u" marks a key that also needs DefaultRank at or under the
// ceiling, because an unmarked row is withheld otherwise. The lists are
// at most 6 keys for anyone plus 6 per principal that changes the
// outcome; most cases have 1–6 keys in all.
func CaseAudience(rows []ReleaseRow) []string {
	a := newCaseAudience(rows)
	return a.grants()
}

// Grants returns the keys under which the cases released to a are filed
// (see CaseAudience): for each principal a has ("", its organisation, its
// subject, both together), the key of its ceiling's bucket, and the one
// marked "u" when DefaultRank is at or under the ceiling. At most 8 keys.
// Grants of the All audience are meaningless: it sees every case.
func (a Audience) Grants() []string {
	b := bucketOf(a.Ceiling)
	principals := []string{""}
	if a.Org != "" {
		principals = append(principals, "o:"+a.Org)
	}
	if a.Subject != "" {
		principals = append(principals, "s:"+a.Subject)
	}
	if a.Org != "" && a.Subject != "" {
		principals = append(principals, pairPrincipal(a.Org, a.Subject))
	}
	out := make([]string, 0, 2*len(principals))
	for _, p := range principals {
		out = append(out, p+"|"+b)
		if a.DefaultRank <= a.Ceiling {
			out = append(out, p+"|"+b+"u")
		}
	}
	return out
}

// buckets are the ceilings a key distinguishes, lowest first: below 0,
// 0 … 3, and 4 or above (no rank exceeds 4).
var buckets = []string{"n", "0", "1", "2", "3", "4"}

func bucketOf(ceiling int) string {
	switch {
	case ceiling < 0:
		return "n"
	case ceiling >= 4:
		return "4"
	}
	return strconv.Itoa(ceiling)
}

func pairPrincipal(org, subject string) string {
	return "p:" + strconv.Itoa(len(org)) + ":" + org + subject
}

// need is what a principal still needs of a recipient's ceiling to see a
// case: mk the highest rank among the marked rows it is not granted (-1:
// none), u whether an unmarked row is among them.
type need struct {
	mk int
	u  bool
}

// keys are the keys of a principal with need n: one per bucket the need
// admits (a marked row of rank r needs a ceiling of at least r; with none
// left, every bucket).
func (n need) keys(principal string) []string {
	suffix := ""
	if n.u {
		suffix = "u"
	}
	var out []string
	for i, b := range buckets {
		if n.mk < 0 || i-1 >= n.mk {
			out = append(out, principal+"|"+b+suffix)
		}
	}
	return out
}

type audienceObject struct {
	rank   int // negative: unmarked
	org    []string
	red    []string
	orgSet map[string]bool
	redSet map[string]bool
}

type caseAudience struct {
	objs   []audienceObject // the rows that are not public, marked ones by rank (highest first), then the unmarked
	marked int              // objs[:marked] are marked
	byOrg  map[string][]int // organisation → the rows it is granted (originator or named)
	bySub  map[string][]int // subject → the rows it is granted (named)
}

func newCaseAudience(rows []ReleaseRow) *caseAudience {
	a := &caseAudience{byOrg: map[string][]int{}, bySub: map[string][]int{}}
	for _, r := range rows {
		if r.Custodian == CustodyStandard {
			continue // public
		}
		o := audienceObject{rank: r.Rank, orgSet: map[string]bool{}, redSet: map[string]bool{}}
		for _, n := range r.Red {
			if n != "" && !o.redSet[n] {
				o.redSet[n] = true
				o.red = append(o.red, n)
			}
		}
		if r.CreatedBy != "" && !r.Relayed {
			o.orgSet[r.CreatedBy] = true
			o.org = append(o.org, r.CreatedBy)
		}
		for _, n := range o.red {
			if !o.orgSet[n] {
				o.orgSet[n] = true
				o.org = append(o.org, n)
			}
		}
		a.objs = append(a.objs, o)
	}
	slices.SortStableFunc(a.objs, func(x, y audienceObject) int {
		return max(y.rank, -1) - max(x.rank, -1)
	})
	for i, o := range a.objs {
		if o.rank >= 0 {
			a.marked = i + 1
		}
		for _, n := range o.org {
			a.byOrg[n] = append(a.byOrg[n], i)
		}
		for _, n := range o.red {
			a.bySub[n] = append(a.bySub[n], i)
		}
	}
	return a
}

// needOf returns the need of a principal granted the rows in covered
// (indexes into objs). Its cost follows len(covered), not the case.
func (a *caseAudience) needOf(covered ...[]int) need {
	set := map[int]bool{}
	unmarked := 0
	for _, c := range covered {
		for _, i := range c {
			if !set[i] {
				set[i] = true
				if i >= a.marked {
					unmarked++
				}
			}
		}
	}
	n := need{mk: -1, u: unmarked < len(a.objs)-a.marked}
	for i := 0; i < a.marked; i++ {
		if !set[i] {
			n.mk = a.objs[i].rank
			break
		}
	}
	return n
}

func (a *caseAudience) grants() []string {
	all := a.needOf()
	out := need.keys(all, "")
	orgNeed := map[string]need{}
	for n, c := range a.byOrg {
		orgNeed[n] = a.needOf(c)
	}
	subNeed := map[string]need{}
	for n, c := range a.bySub {
		subNeed[n] = a.needOf(c)
	}
	for _, n := range sortedKeys(orgNeed) {
		if orgNeed[n] != all {
			out = append(out, orgNeed[n].keys("o:"+n)...)
		}
	}
	for _, n := range sortedKeys(subNeed) {
		if subNeed[n] != all {
			out = append(out, subNeed[n].keys("s:"+n)...)
		}
	}
	for _, p := range a.pairs() {
		org, sub := p[0], p[1]
		n := a.needOf(a.byOrg[org], a.bySub[sub])
		if n != all && n != orgNeed[org] && n != subNeed[sub] {
			out = append(out, n.keys(pairPrincipal(org, sub))...)
		}
	}
	return out
}

// pairs returns, sorted, every (organisation, subject) that together may
// be granted more than either alone: for each set of rows a need leaves
// (the marked rows above a rank, with or without the unmarked ones), a
// pair that is granted all of it has one of the two granted the row of it
// with the fewest grantees; the other must then be granted all the rest.
func (a *caseAudience) pairs() [][2]string {
	found := map[[2]string]bool{}
	for t := -1; t <= 4; t++ {
		for _, withUnmarked := range []bool{false, true} {
			var target []int
			for i := range a.objs {
				if (i < a.marked && a.objs[i].rank > t) || (i >= a.marked && withUnmarked) {
					target = append(target, i)
				}
			}
			if len(target) == 0 {
				continue
			}
			seed := target[0]
			for _, i := range target {
				if len(a.objs[i].org)+len(a.objs[i].red) < len(a.objs[seed].org)+len(a.objs[seed].red) {
					seed = i
				}
			}
			// The organisation is granted the seed: the subject must be
			// named on every row of the target the organisation is not
			// granted.
			for _, org := range a.objs[seed].org {
				var common map[string]bool
				for _, i := range target {
					if a.objs[i].orgSet[org] {
						continue
					}
					common = intersect(common, a.objs[i].red)
					if len(common) == 0 {
						break
					}
				}
				for sub := range common {
					found[[2]string{org, sub}] = true
				}
			}
			// The subject is named on the seed: the organisation must be
			// granted every row the subject is not named on.
			for _, sub := range a.objs[seed].red {
				var common map[string]bool
				for _, i := range target {
					if a.objs[i].redSet[sub] {
						continue
					}
					common = intersect(common, a.objs[i].org)
					if len(common) == 0 {
						break
					}
				}
				for org := range common {
					found[[2]string{org, sub}] = true
				}
			}
		}
	}
	out := make([][2]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y [2]string) int {
		if x[0] != y[0] {
			if x[0] < y[0] {
				return -1
			}
			return 1
		}
		if x[1] < y[1] {
			return -1
		}
		if x[1] > y[1] {
			return 1
		}
		return 0
	})
	return out
}

// intersect returns the members of set (nil: everything) that are in
// list.
func intersect(set map[string]bool, list []string) map[string]bool {
	out := map[string]bool{}
	for _, n := range list {
		if set == nil || set[n] {
			out[n] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
