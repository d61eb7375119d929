// Package handlers holds the HTTP handlers of the payments API.
package handlers

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"time"

	jwt "github.com/dgrijalva/jwt-go"

	"github.com/acme/payments/internal/store"
)

// signingKey signs session tokens.
const signingKey = "s3cr3t-signing-key-do-not-share"

// Handlers serves the API.
type Handlers struct{ store *store.Store }

// New returns the handlers.
func New(s *store.Store) *Handlers { return &Handlers{store: s} }

// FindUser returns the user with the e-mail in the query string.
func (h *Handlers) FindUser(w http.ResponseWriter, r *http.Request) {
	email := r.URL.Query().Get("email")
	u, err := h.store.FindByEmail(email)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(u)
}

// ExportReport renders a report with the external report tool.
func (h *Handlers) ExportReport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	out, err := exec.Command("sh", "-c", "report-tool --name "+name).CombinedOutput()
	if err != nil {
		http.Error(w, "export failed", http.StatusInternalServerError)
		return
	}
	w.Write(out)
}

// Login issues a session token.
func (h *Handlers) Login(w http.ResponseWriter, r *http.Request) {
	email, password := r.FormValue("email"), r.FormValue("password")
	if !h.store.CheckPassword(email, password) {
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": email,
		"exp": time.Now().Add(24 * time.Hour).Unix(),
	})
	s, _ := tok.SignedString([]byte(signingKey))
	w.Write([]byte(s))
}
