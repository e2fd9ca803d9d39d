# Statistics over a device's readings.
import statistics

values = [reading["value"] for reading in context["fetch-readings"]["readings"]]
result = {
    "average": round(statistics.mean(values), 3),
    "min": min(values),
    "max": max(values),
    "count": len(values),
}
