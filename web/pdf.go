package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// maxPDFs is the number of PDFs a node makes at once; a request waits for
// a slot within its timeout.
const maxPDFs = 2

// chromiumNames are the programs looked for on PATH when Options.Chromium
// is empty.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"}

// chromiumPath returns the browser that prints PDFs, or "".
func (h *handler) chromiumPath() string {
	if h.opts.Chromium != "" {
		if p, err := exec.LookPath(h.opts.Chromium); err == nil {
			return p
		}
		return ""
	}
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// briefPDF serves GET /cases/{id}/brief.pdf: the brief printed to PDF (A4,
// by its print stylesheet) by a headless Chromium. The brief is rendered
// here for the caller, through the caller's release gate, exactly as
// GET /cases/{id}/brief renders it (a case the caller may not see: 404,
// as a missing one); Chromium only loads that rendered document (and the
// static files) from a one-off loopback listener, so it sees nothing the
// caller could not. Without Chromium, or when it fails or takes longer
// than Options.PDFTimeout, the answer is 503 with a message.
func (h *handler) briefPDF(w http.ResponseWriter, r *http.Request, me *who) {
	b, tlp, err := h.brief(r.Context(), me, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b.PDF = true
	doc, err := h.html(r, "brief", me.user, tlp, b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	exe := h.chromiumPath()
	if exe == "" {
		h.unavailable(w, r, me, errors.New("no chromium on PATH"))
		return
	}
	timeout := h.opts.PDFTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	select {
	case h.pdfSlots <- struct{}{}:
		defer func() { <-h.pdfSlots }()
	case <-ctx.Done():
		h.unavailable(w, r, me, errors.New("every PDF slot busy"))
		return
	}
	pdf, err := printPDF(ctx, exe, doc)
	if err != nil {
		h.unavailable(w, r, me, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="brief.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
}

// unavailable answers 503 with the page that says PDFs cannot be made
// here; err goes to the log.
func (h *handler) unavailable(w http.ResponseWriter, r *http.Request, me *who, err error) {
	h.log.WarnContext(r.Context(), "brief PDF", "path", r.URL.Path, "err", err.Error())
	w.Header().Set("Retry-After", "60")
	h.render(w, r, http.StatusServiceUnavailable, "error", me.user, "", map[string]any{"Key": "brief.unavailable", "Status": http.StatusServiceUnavailable})
}

// printPDF loads doc in a headless Chromium (program exe) from a one-off
// loopback listener that serves only doc (under a random path) and the
// static files, with the pages' CSP, and prints it to PDF on A4 with
// backgrounds (the TLP banners' colours).
func printPDF(ctx context.Context, exe string, doc []byte) ([]byte, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	path := "/brief/" + hex.EncodeToString(tok[:])
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(doc)
	})
	srv := &http.Server{Handler: secure(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	cctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	u := (&url.URL{Scheme: "http", Host: ln.Addr().String(), Path: path}).String()
	if err := chromedp.Do(cctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("#tlp-bottom"))); err != nil {
		return nil, err
	}
	return chromedp.Run(cctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(), chromedp.PDFMargin(0)))
}
