# Shared by scripts/test-airflow, scripts/test-semantics and
# scripts/test-airflow-scheduler: source it from the repository root.

# Apache Airflow 3.x in .venv-airflow/, installed when missing (about a
# minute; `timeout` bounds it). One venv for all three scripts.
airflow_venv() {
  if ! .venv-airflow/bin/python -c 'import airflow, sys; sys.exit(not airflow.__version__.startswith("3."))' >/dev/null 2>&1; then
    echo "$(basename "$0"): installing apache-airflow 3.x into .venv-airflow" >&2
    rm -rf .venv-airflow
    python3 -m venv .venv-airflow
    timeout --kill-after=20 600 .venv-airflow/bin/pip install -q --disable-pip-version-check "apache-airflow>=3.0,<4"
  fi
  echo "apache-airflow $(.venv-airflow/bin/python -c 'import airflow; print(airflow.__version__)')"
}
