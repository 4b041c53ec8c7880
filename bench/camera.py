"""What the camera does to a page: uneven light, a tilted view, the desk around it, focus and shake, sensor
noise, JPEG.

A `Look` lists the stages one suite's camera applies and the range each draws from. A stage left as None is
skipped and draws nothing from the frame's random stream, so adding a stage for one suite leaves every other
suite's frames exactly as they were. Blur, noise and JPEG are photometric (they move no ground-truth box); the
perspective warp is returned so the truth can go through it too.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Range = tuple[float, float]
LIGHT_GRID = 1024  # the light's gain map is computed on a grid of at most this many points a side (it is smooth)
NOISE_CHUNK = 1 << 22  # sensor noise is drawn this many values at a time (a 12 MP frame needs no 288 MB buffer)
KERNEL_SUPERSAMPLE = 8  # blur kernels are drawn this much finer, then averaged down (sub-pixel lengths and radii)


@dataclass(frozen=True)
class Look:
    """One camera: every stage's range; None skips the stage."""

    gradient: Range | None = None  # darkest end of a linear light gradient (1.0 at the other end)
    shadow: Range | None = None  # light left inside a soft shadow band
    shadow_width: Range = (0.1, 0.3)  # band width, fraction of the frame diagonal
    vignette: Range | None = None  # light lost at the corners
    perspective: float = 0.0  # each corner moves up to this fraction of the frame size
    # the page turned in the frame by this many degrees, either way (a phone held askew), and zoomed just enough
    # that the page still fills the frame (its corners leave it; the suite's margin keeps the writing in)
    tilt: Range | None = None
    # a page lying on a desk, seen from above by a phone held a little back: the page spans this share of the
    # frame's width and height, its far (top) edge `keystone` of its width narrower on each side, and the desk
    # (wood, grey or white, with a grain) around it
    desk: Range | None = None
    keystone: Range = (0.03, 0.15)
    blur: Range | None = None  # Gaussian sigma, pixels (a lens a little out of focus, demosaicing)
    motion: Range | None = None  # length of a straight motion-blur streak, pixels, in a random direction
    defocus: Range | None = None  # radius of the defocus disc, pixels
    noise: Range = (1.5, 1.5)  # Gaussian sigma, grey levels (equal ends: that value, nothing drawn)
    jpeg: tuple[int, int] | None = None  # JPEG quality, upper end excluded


LOOKS: dict[str, Look] = {
    # a flat-lit scan-like page with light sensor noise
    "clean": Look(),
    # a webcam over a desk: light falling off, a shadow, a slight tilt, soft focus, noise, JPEG
    "hard": Look(gradient=(0.55, 0.9), shadow=(0.5, 0.8), vignette=(0.15, 0.35), perspective=0.035,
                 blur=(0.3, 1.2), noise=(2.0, 6.0), jpeg=(45, 85)),
    # a phone held close: gentle light fall-off, a little soft, good JPEG
    "mild": Look(gradient=(0.75, 0.95), vignette=(0.05, 0.2), perspective=0.02, blur=(0.3, 0.9),
                 noise=(1.5, 4.0), jpeg=(70, 93)),
    # a phone photo of a whole sheet: light falls off across the page, a faint shadow, a slight tilt
    "phone": Look(gradient=(0.6, 0.9), shadow=(0.7, 0.9), shadow_width=(0.15, 0.35), vignette=(0.1, 0.3),
                  perspective=0.03, blur=(0.4, 1.2), noise=(2.0, 5.0), jpeg=(75, 95)),
    # a shaky or badly focused camera: motion blur and/or defocus, strong noise, heavy JPEG
    "heavy": Look(gradient=(0.65, 0.95), vignette=(0.05, 0.25), perspective=0.02, motion=(5.0, 11.0),
                  defocus=(1.2, 3.0), noise=(4.0, 9.0), jpeg=(40, 81)),
    # a notebook page photographed askew: its rules slant across the frame (real photos, issue 33)
    "askew": Look(gradient=(0.7, 0.95), vignette=(0.05, 0.25), perspective=0.02, tilt=(2.0, 8.0), blur=(0.3, 1.0),
                  noise=(2.0, 5.0), jpeg=(60, 90)),
    # a phone photo of a page lying on a desk: the desk around it, the page narrower at its far edge
    "desk": Look(gradient=(0.65, 0.95), vignette=(0.1, 0.45), desk=(0.55, 0.85), blur=(0.3, 1.0), noise=(2.0, 5.0),
                 jpeg=(60, 92)),
    # a page under a dark shadow band (a hand, a head, a lamp arm)
    "shadow": Look(gradient=(0.7, 0.95), shadow=(0.35, 0.6), shadow_width=(0.15, 0.4), vignette=(0.05, 0.25),
                   perspective=0.025, blur=(0.4, 1.0), noise=(2.0, 5.0), jpeg=(60, 90)),
}


def draw(rng: np.random.Generator, span: Range) -> float:
    """A value from a range; a range with equal ends is that value and draws nothing."""
    return float(span[0]) if span[0] == span[1] else float(rng.uniform(*span))


def lighting(rng: np.random.Generator, look: Look, size: tuple[int, int]) -> np.ndarray:
    """Uneven light as one gain map (height, width): a linear gradient, a soft shadow band, vignetting."""
    width, height = size
    step = max(1, int(np.ceil(max(size) / LIGHT_GRID)))
    yy, xx = np.mgrid[0 : height : step, 0 : width : step].astype(np.float32)
    gain = np.ones_like(xx)
    if look.gradient:
        theta = rng.uniform(0, 2 * np.pi)
        u = xx * np.cos(theta) + yy * np.sin(theta)
        u = (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
        low = rng.uniform(*look.gradient)
        gain = low + (1 - low) * u
    diag = np.hypot(width, height)
    if look.shadow:
        phi = rng.uniform(0, np.pi)
        d = (xx - rng.uniform(0, width)) * np.cos(phi) + (yy - rng.uniform(0, height)) * np.sin(phi)
        half = rng.uniform(*look.shadow_width) * diag / 2
        edge = 0.08 * diag
        inside = np.clip((half + edge - np.abs(d)) / edge, 0, 1)  # 1 in the band, soft edges
        gain *= 1 - (1 - rng.uniform(*look.shadow)) * inside
    if look.vignette:
        r = np.hypot(xx - width / 2, yy - height / 2) / (diag / 2)
        gain *= 1 - rng.uniform(*look.vignette) * r**2
    if step == 1:
        return gain
    return cv2.resize(gain.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def perspective(rng: np.random.Generator, amount: float, size: tuple[int, int]) -> np.ndarray:
    """A mild homography: each corner of the frame moves a little, as with a camera not quite square to the page."""
    width, height = size
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    jitter = rng.uniform(-1, 1, (4, 2)) * amount * np.float32([width, height])
    return cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))


def turned(rng: np.random.Generator, span: Range, size: tuple[int, int]) -> np.ndarray:
    """A rotation about the frame's centre by a drawn angle of either sign, zoomed so that the turned page still
    covers the whole frame (as a 3x3 homography)."""
    width, height = size
    angle = draw(rng, span) * (1 if rng.random() < 0.5 else -1)
    cos, sin = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    zoom = max(cos + height / width * sin, cos + width / height * sin)
    return np.vstack([cv2.getRotationMatrix2D((width / 2, height / 2), angle, zoom), [0, 0, 1]])


DESKS = ((70, 105, 150), (45, 48, 52), (125, 128, 132), (200, 205, 210))  # BGR: wood, dark, grey, white


def on_desk(rng: np.random.Generator, look: Look, size: tuple[int, int]) -> np.ndarray:
    """The homography that lays the whole page (the frame's size) on a desk in the frame: shrunk to a drawn
    share, placed anywhere, its top edge narrowed by a drawn keystone."""
    width, height = size
    share, narrow = draw(rng, look.desk), draw(rng, look.keystone)
    w, h = share * width, share * height
    x0, y0 = rng.uniform(0, width - w), rng.uniform(0, height - h)
    quad = np.float32([[x0 + narrow * w, y0], [x0 + w - narrow * w, y0], [x0 + w, y0 + h], [x0, y0 + h]])
    return cv2.getPerspectiveTransform(np.float32([[0, 0], [width, 0], [width, height], [0, height]]), quad)


def desk_surface(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A desk (float BGR, height x width x 3): one of `DESKS`, with a grain running along it (2-6 % of its
    brightness: wood's rings, a laminate's print)."""
    width, height = size
    colour = np.float32(DESKS[int(rng.integers(len(DESKS)))])
    grain = rng.normal(0, 1, (max(2, height // 6), max(2, width // 80))).astype(np.float32)
    grain = cv2.resize(grain, (width, height), interpolation=cv2.INTER_LINEAR) * rng.uniform(0.02, 0.06)
    return colour[None, None, :] * (1 + grain[..., None])


def motion_kernel(length: float, angle: float) -> np.ndarray:
    """A straight streak `length` pixels long at `angle` radians, summing to 1 (a camera moving while exposed)."""
    side = int(np.ceil(length)) | 1
    fine = side * KERNEL_SUPERSAMPLE
    centre = fine / 2
    dx, dy = np.cos(angle) * length * KERNEL_SUPERSAMPLE / 2, np.sin(angle) * length * KERNEL_SUPERSAMPLE / 2
    canvas = np.zeros((fine, fine), np.float32)
    cv2.line(canvas, (round(centre - dx), round(centre - dy)), (round(centre + dx), round(centre + dy)), 1.0,
             KERNEL_SUPERSAMPLE, cv2.LINE_AA)
    kernel = cv2.resize(canvas, (side, side), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()


def disc_kernel(radius: float) -> np.ndarray:
    """A uniform disc of `radius` pixels, summing to 1 (a lens out of focus)."""
    side = 2 * int(np.ceil(radius)) + 1
    fine = side * KERNEL_SUPERSAMPLE
    canvas = np.zeros((fine, fine), np.float32)
    cv2.circle(canvas, (fine // 2, fine // 2), round(radius * KERNEL_SUPERSAMPLE), 1.0, -1, cv2.LINE_AA)
    kernel = cv2.resize(canvas, (side, side), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()


def shake_and_focus(image: np.ndarray, rng: np.random.Generator, look: Look) -> np.ndarray:
    """Motion blur, defocus, or (when the look has both) one of them or both, a third of the frames each."""
    if not (look.motion or look.defocus):
        return image
    both = look.motion and look.defocus
    which = int(rng.integers(3)) if both else (0 if look.motion else 1)  # 0 motion, 1 defocus, 2 both
    if which in (0, 2):
        image = cv2.filter2D(image, -1, motion_kernel(draw(rng, look.motion), rng.uniform(0, np.pi)),
                             borderType=cv2.BORDER_REPLICATE)
    if which in (1, 2):
        image = cv2.filter2D(image, -1, disc_kernel(draw(rng, look.defocus)), borderType=cv2.BORDER_REPLICATE)
    return image


def add_noise(image: np.ndarray, rng: np.random.Generator, sigma: float) -> None:
    """Gaussian sensor noise added in place, drawn in row chunks (the same values as one draw, less memory)."""
    height, row = image.shape[0], int(np.prod(image.shape[1:]))
    rows = max(1, NOISE_CHUNK // row)
    for top in range(0, height, rows):
        part = image[top : top + rows]
        part += rng.normal(0, sigma, part.shape).astype(np.float32)


def camera(image: np.ndarray, rng: np.random.Generator, look: Look) -> tuple[np.ndarray, np.ndarray | None]:
    """The page (float BGR, may be changed in place) as the camera gives it: a uint8 frame and the homography
    it applied (None: none)."""
    height, width = image.shape[:2]
    h_matrix = None
    if look.gradient or look.shadow or look.vignette:
        image = image * lighting(rng, look, (width, height))[..., None]
    if look.perspective:
        h_matrix = perspective(rng, look.perspective, (width, height))
    if look.tilt:
        tilt = turned(rng, look.tilt, (width, height))
        h_matrix = tilt if h_matrix is None else h_matrix @ tilt
    if look.desk:
        desk = on_desk(rng, look, (width, height))
        h_matrix = desk if h_matrix is None else desk @ h_matrix
    if h_matrix is not None:
        image = cv2.warpPerspective(image, h_matrix, (width, height), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)
    if look.desk:  # where the page does not reach, the desk
        page = cv2.warpPerspective(np.ones((height, width), np.float32), h_matrix, (width, height), flags=cv2.INTER_LINEAR)
        image = image * page[..., None] + desk_surface(rng, (width, height)) * (1 - page[..., None])
    if look.blur:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(*look.blur))
    image = shake_and_focus(image, rng, look)
    add_noise(image, rng, draw(rng, look.noise))
    image += 0.5
    frame = np.clip(image, 0, 255, out=image).astype(np.uint8)
    if look.jpeg:
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*look.jpeg))])
        frame = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    return frame, h_matrix
