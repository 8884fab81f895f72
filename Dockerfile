# fiscalscan: offline OCR + table extraction.  The PP-OCR weights ship inside the rapidocr wheel, so the image
# downloads nothing at run time (it runs without network).
#   docker build -t fiscalscan .                          # CLI (+ xlsx output)
#   docker build -t fiscalscan:ray --build-arg EXTRAS=ray .  # with Ray, for cluster workers
#   docker build -t fiscalscan:paddle --build-arg EXTRAS=paddle .  # + --ocr-engine paddleocr, models baked in
#   docker run --rm -v "$PWD/scans:/in:ro" -v "$PWD/out:/out" fiscalscan batch /in --out /out
FROM python:3.11-slim

ARG EXTRAS="xlsx"
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

# The container starts as root only to look at the mounted output folder: docker/entrypoint.sh then runs
# fiscalscan as that folder's owner (setpriv, from util-linux), never as root unless the folder is root's,
# so `-v "$PWD/out:/out"` works without a chown and the host user owns the results (0755/0644).
COPY docker/entrypoint.sh /usr/local/bin/fiscalscan-entrypoint
RUN chmod 0755 /usr/local/bin/fiscalscan-entrypoint \
    && useradd --create-home --uid 10001 fiscalscan \
    && mkdir -p /in /out \
    && chown fiscalscan:fiscalscan /out
WORKDIR /home/fiscalscan
VOLUME ["/in", "/out"]

HEALTHCHECK --interval=60s --timeout=20s --retries=3 CMD ["fiscalscan", "--version"]
ENTRYPOINT ["fiscalscan-entrypoint"]
CMD ["batch", "/in", "--out", "/out"]
