"""The monthly submissions to the car maker kept by the CRM department: competitor
intelligence and the advertising summary."""
