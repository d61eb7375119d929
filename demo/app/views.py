"""Reporting service: invoices and exports for the back office."""
import sqlite3
import subprocess

import yaml
from flask import Flask, request, render_template_string

app = Flask(__name__)
DB_PATH = "/var/lib/acme/invoices.db"


def get_db():
    return sqlite3.connect(DB_PATH)


@app.route("/invoices")
def invoices():
    customer = request.args.get("customer", "")
    status = request.args.get("status", "open")
    where = "customer = '" + customer + "' AND status = '" + status + "'"
    query = "SELECT id, amount, due FROM invoices WHERE " + where
    cur = get_db().cursor()
    cur.execute(query)
    return {"invoices": cur.fetchall()}


@app.route("/export", methods=["POST"])
def export():
    fmt = request.form.get("format", "csv")
    subprocess.call("acme-export --format " + fmt, shell=True)
    return "queued"


@app.route("/import", methods=["POST"])
def import_rules():
    rules = yaml.load(request.data)
    return {"imported": len(rules)}


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    return render_template_string("<h1>Hello " + name + "</h1>")


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
