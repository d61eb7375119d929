// Command server runs the ACME payments API.
package main

import (
	"database/sql"
	"log"
	"net/http"
	"os"

	_ "github.com/lib/pq"

	"github.com/acme/payments/internal/handlers"
	"github.com/acme/payments/internal/store"
)

func main() {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	s := store.New(db)
	h := handlers.New(s)

	mux := http.NewServeMux()
	mux.HandleFunc("/users", h.FindUser)
	mux.HandleFunc("/reports/export", h.ExportReport)
	mux.HandleFunc("/login", h.Login)

	// No timeouts: slowloris-style clients can hold connections forever.
	log.Fatal(http.ListenAndServe(":8080", mux))
}
