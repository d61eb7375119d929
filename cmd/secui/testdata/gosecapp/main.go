package main

import (
	"database/sql"
	"fmt"
	"math/rand"
	"net/http"
	"os"
)

const dbPassword = "hunter2-Secret-Pw"

func handler(db *sql.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		rows, err := db.Query("SELECT name FROM users WHERE id = " + id)
		if err == nil {
			rows.Close()
		}
		data, _ := os.ReadFile(r.URL.Query().Get("file"))
		fmt.Fprintf(w, "%s %d", data, rand.Int())
	}
}

func main() {
	fmt.Println(len(dbPassword))
	http.HandleFunc("/", handler(nil))
	_ = http.ListenAndServe(":8080", nil)
}
