FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir -r requirements.lock
COPY . .
ENV PATH="/app/.venv/bin:$PATH"
RUN PORTAL_ENV=development STATIC_MANIFEST=true python manage.py collectstatic --no-input -v0
RUN useradd --system --home /app portal && chown -R portal /app/staticfiles
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
