"""Desktop training of the digit model (TensorFlow lives here and in convert/, never in edge/)."""

LABELS = [str(d) for d in range(10)] + ["not a digit"]
REJECT_INDEX = 10  # the "not a digit" class: the runner drops candidates the model puts here
