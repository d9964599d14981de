package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// earthRadiusM is the mean Earth radius (IUGG) in metres, used for the
// local equirectangular distances of the index.
const earthRadiusM = 6371008.8

// metresPerDegree is the length of one degree of latitude (and of longitude
// on the equator) on the mean sphere.
const metresPerDegree = earthRadiusM * math.Pi / 180

// cellDeg is the side of one grid cell in degrees (about 11 km of latitude).
const cellDeg = 0.1

// segment is one edge of a polygon ring, lon/lat degrees.
type segment struct{ ax, ay, bx, by float64 }

// gridIndex answers point-in-polygon and distance-to-boundary queries for one
// multipolygon in constant time per cell: every cell lists the ring edges
// that touch it and knows whether its centre lies inside, so a query only
// counts crossings between the cell centre and the point.
type gridIndex struct {
	bound        orb.Bound
	nx, ny       int
	x0, y0       float64 // lower-left corner of cell (0, 0)
	segs         []segment
	cells        [][]int32 // segment indices per cell, row-major
	centreInside []bool
}

// newGridIndex builds the index of mp. Rings are treated with the even-odd
// rule, which matches GeoJSON polygons with holes.
func newGridIndex(mp orb.MultiPolygon) *gridIndex {
	g := &gridIndex{bound: mp.Bound()}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				if a == b {
					continue
				}
				g.segs = append(g.segs, segment{a[0], a[1], b[0], b[1]})
			}
		}
	}
	g.x0 = math.Floor(g.bound.Min[0]/cellDeg)*cellDeg - cellDeg
	g.y0 = math.Floor(g.bound.Min[1]/cellDeg)*cellDeg - cellDeg
	g.nx = int(math.Ceil((g.bound.Max[0]-g.x0)/cellDeg)) + 2
	g.ny = int(math.Ceil((g.bound.Max[1]-g.y0)/cellDeg)) + 2
	g.cells = make([][]int32, g.nx*g.ny)
	for i, s := range g.segs {
		cx0, cy0 := g.cellOf(math.Min(s.ax, s.bx), math.Min(s.ay, s.by))
		cx1, cy1 := g.cellOf(math.Max(s.ax, s.bx), math.Max(s.ay, s.by))
		for cy := cy0; cy <= cy1; cy++ {
			for cx := cx0; cx <= cx1; cx++ {
				k := cy*g.nx + cx
				g.cells[k] = append(g.cells[k], int32(i))
			}
		}
	}
	g.classifyCentres()
	return g
}

// cellOf returns the (clamped) cell column and row of a lon/lat.
func (g *gridIndex) cellOf(x, y float64) (int, int) {
	cx := int(math.Floor((x - g.x0) / cellDeg))
	cy := int(math.Floor((y - g.y0) / cellDeg))
	return clamp(cx, 0, g.nx-1), clamp(cy, 0, g.ny-1)
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// classifyCentres decides, row by row, which cell centres lie inside, by a
// scanline over all edges crossing the row's centre latitude.
func (g *gridIndex) classifyCentres() {
	g.centreInside = make([]bool, g.nx*g.ny)
	xs := make([]float64, 0, 64)
	for cy := 0; cy < g.ny; cy++ {
		y := g.y0 + (float64(cy)+0.5)*cellDeg
		xs = xs[:0]
		for _, s := range g.segs {
			if (s.ay > y) != (s.by > y) {
				xs = append(xs, s.ax+(y-s.ay)*(s.bx-s.ax)/(s.by-s.ay))
			}
		}
		sort.Float64s(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			c0 := int(math.Ceil((xs[i]-g.x0)/cellDeg - 0.5))
			c1 := int(math.Floor((xs[i+1]-g.x0)/cellDeg - 0.5))
			for cx := clamp(c0, 0, g.nx-1); cx <= c1 && cx < g.nx; cx++ {
				g.centreInside[cy*g.nx+cx] = true
			}
		}
	}
}

// contains reports whether p lies inside the multipolygon.
func (g *gridIndex) contains(p orb.Point) bool {
	if !g.bound.Contains(p) {
		return false
	}
	cx, cy := g.cellOf(p[0], p[1])
	k := cy*g.nx + cx
	inside := g.centreInside[k]
	qx := g.x0 + (float64(cx)+0.5)*cellDeg
	qy := g.y0 + (float64(cy)+0.5)*cellDeg
	for _, i := range g.cells[k] {
		if segmentsCross(qx, qy, p[0], p[1], g.segs[i]) {
			inside = !inside
		}
	}
	return inside
}

// segmentsCross reports whether segment q-p crosses edge s, counting an
// edge endpoint only on one side (half-open), so that a path through a
// vertex shared by two edges is counted once.
func segmentsCross(qx, qy, px, py float64, s segment) bool {
	d1 := orient(qx, qy, px, py, s.ax, s.ay)
	d2 := orient(qx, qy, px, py, s.bx, s.by)
	if (d1 > 0) == (d2 > 0) {
		return false
	}
	d3 := orient(s.ax, s.ay, s.bx, s.by, qx, qy)
	d4 := orient(s.ax, s.ay, s.bx, s.by, px, py)
	return (d3 > 0) != (d4 > 0)
}

func orient(ax, ay, bx, by, cx, cy float64) float64 {
	return (bx-ax)*(cy-ay) - (by-ay)*(cx-ax)
}

// distance returns the distance in metres from p to the nearest boundary
// edge, searching no further than maxM; ok is false when no edge lies
// within maxM. Distances use a local equirectangular projection at p's
// latitude (error well under 1 % within 100 km).
func (g *gridIndex) distance(p orb.Point, maxM float64) (d float64, ok bool) {
	kx := metresPerDegree * math.Cos(p[1]*math.Pi/180)
	ky := metresPerDegree
	// Reject early when the whole grid is further than maxM.
	dx := math.Max(0, math.Max(g.bound.Min[0]-p[0], p[0]-g.bound.Max[0])) * kx
	dy := math.Max(0, math.Max(g.bound.Min[1]-p[1], p[1]-g.bound.Max[1])) * ky
	if math.Hypot(dx, dy) > maxM {
		return 0, false
	}
	pcx := int(math.Floor((p[0] - g.x0) / cellDeg))
	pcy := int(math.Floor((p[1] - g.y0) / cellDeg))
	best := math.Inf(1)
	maxK := int(maxM/(cellDeg*math.Min(kx, ky))) + 1
	for k := 0; k <= maxK; k++ {
		for cy := pcy - k; cy <= pcy+k; cy++ {
			if cy < 0 || cy >= g.ny {
				continue
			}
			step := 1
			if cy != pcy-k && cy != pcy+k {
				step = 2 * k // only the left and right cells of the ring
			}
			for cx := pcx - k; cx <= pcx+k; cx += max(step, 1) {
				if cx < 0 || cx >= g.nx {
					continue
				}
				for _, i := range g.cells[cy*g.nx+cx] {
					s := g.segs[i]
					if e := pointSegmentM(p, s, kx, ky); e < best {
						best = e
					}
				}
			}
		}
		// Cells beyond ring k are at least k cells away from p.
		if float64(k)*cellDeg*math.Min(kx, ky) >= best {
			break
		}
	}
	if best > maxM {
		return 0, false
	}
	return best, true
}

// pointSegmentM is the distance in metres from p to segment s, in the
// local projection with kx, ky metres per degree.
func pointSegmentM(p orb.Point, s segment, kx, ky float64) float64 {
	ax, ay := (s.ax-p[0])*kx, (s.ay-p[1])*ky
	bx, by := (s.bx-p[0])*kx, (s.by-p[1])*ky
	vx, vy := bx-ax, by-ay
	l2 := vx*vx + vy*vy
	t := 0.0
	if l2 > 0 {
		t = -(ax*vx + ay*vy) / l2
		t = math.Max(0, math.Min(1, t))
	}
	return math.Hypot(ax+t*vx, ay+t*vy)
}
