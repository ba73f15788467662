"""The ceiling for the load benchmark: a plain Flask "hello" route under the same server."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
