FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph_service ./graph_service
COPY models ./models
COPY queries ./queries
COPY loaders ./loaders
RUN pip install --no-cache-dir ".[fast]"
EXPOSE 8000
CMD ["graph-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
