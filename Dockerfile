# fiscalscan: offline OCR + table extraction.  The PP-OCR weights ship inside the rapidocr wheel, so the image
# downloads nothing at run time (it runs without network).
#   docker build -t fiscalscan .                          # CLI only
#   docker build -t fiscalscan:ray --build-arg EXTRAS=ray .  # with Ray, for cluster workers
#   docker build -t fiscalscan:paddle --build-arg EXTRAS=paddle .  # + --ocr-engine paddleocr, models baked in
#   docker run --rm -v "$PWD/scans:/in:ro" -v "$PWD/out:/out" fiscalscan batch /in --out /out
FROM python:3.11-slim

ARG EXTRAS=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libgomp: OpenMP runtime used by onnxruntime / OpenCV; libglib: OpenCV's headless wheel
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY plugins ./plugins
RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
    && rm -rf /src

RUN useradd --create-home --uid 10001 fiscalscan \
    && mkdir -p /in /out \
    && chown fiscalscan:fiscalscan /out
USER fiscalscan
WORKDIR /home/fiscalscan
VOLUME ["/in", "/out"]

HEALTHCHECK --interval=60s --timeout=20s --retries=3 CMD ["fiscalscan", "--version"]
ENTRYPOINT ["fiscalscan"]
CMD ["batch", "/in", "--out", "/out"]
