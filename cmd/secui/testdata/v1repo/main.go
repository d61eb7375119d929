package main

import (
	"crypto/md5"
	"database/sql"
	"fmt"
	"net/http"
	"os"
)

var password = "hunter2-super-secret"

func lookup(db *sql.DB, id string) (*sql.Rows, error) {
	return db.Query("SELECT * FROM users WHERE id = " + id)
}

func readFile(name string) ([]byte, error) {
	return os.ReadFile(name)
}

func main() {
	h := md5.New()
	fmt.Println(h, password)
	http.ListenAndServe(":8080", nil)
}
