from facetwitch.cli import run

run()
