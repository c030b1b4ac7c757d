"""``python -m agent_app <start|dev|console|download-files>``."""

from agent_app.runtime.worker import main

if __name__ == "__main__":
    main()
