# Convolution Explorer: CPU-only image for public hosting.
#   docker build -t convolution-explorer .
#   docker run --rm -p 8501:8501 convolution-explorer     # http://localhost:8501
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# CPU-only PyTorch from PyTorch's CPU index first (PyPI's torch==2.13.0 pulls in CUDA),
# then the rest of the exact pins; pip keeps the torch already installed.
COPY requirements.txt .
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && pip install -r requirements.txt

# A non-root user owns nothing but its home; the app files stay read-only to it.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin explorer
COPY . .
USER explorer

# Tune per container with docker run -e EXPLORER_THREADS=... -e EXPLORER_MAX_TRAINERS=...
# (README, "Sharing one server"); unset, they follow the container's cores.

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).status != 200)"]

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
