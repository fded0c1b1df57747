// What draws the desk's attention: a short tone (WebAudio, no audio file) and a highlight that
// fades. Browsers allow sound only after the operator has interacted with the page; before that
// the tone is skipped (the highlight still shows).

let audio = null;

// Browsers start audio only from a user gesture: the first click or key on the page (after a
// reload for a language switch, too) readies it, so a later alarm is heard.
export function readyAudioOnGesture() {
  const ready = () => {
    try {
      if (!audio) audio = new AudioContext();
      if (audio.state === 'suspended') audio.resume();
    } catch (e) {
      return;  // no audio here
    }
    document.removeEventListener('pointerdown', ready, true);
    document.removeEventListener('keydown', ready, true);
  };
  document.addEventListener('pointerdown', ready, true);
  document.addEventListener('keydown', ready, true);
}

// Priority 1 (highest) sounds three high beeps, 2 two, anything lower one soft beep.
export function sound(priority) {
  try {
    if (!audio) audio = new AudioContext();
    if (audio.state === 'suspended') audio.resume();
    const p = Number(priority) || 5;
    const beeps = p <= 1 ? 3 : p === 2 ? 2 : 1;
    const frequency = p <= 1 ? 1046 : p === 2 ? 880 : 660;
    const start = audio.currentTime + 0.02;
    for (let i = 0; i < beeps; i += 1) {
      const at = start + i * 0.22;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(p <= 2 ? 0.3 : 0.15, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.18);
    }
  } catch (e) {
    // No audio device (headless) or not allowed yet: the highlight has to do.
  }
}

// Flashes an element (CSS class `highlight`, see app.css) until its animation ends.
export function highlight(element) {
  if (!element || !element.classList) return;
  element.classList.remove('highlight');
  // Restart the animation when the element is highlighted again.
  void element.offsetWidth;
  element.classList.add('highlight');
  const done = () => element.classList.remove('highlight');
  element.addEventListener('animationend', done, { once: true });
  setTimeout(done, 6000);
}
