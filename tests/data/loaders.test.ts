import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readMask, readRgb } from '../../src/ts/data/image.js';
import { openDataset, openDatasets, parseSpec, type Sample } from '../../src/ts/data/spec.js';
import { CefmError, UsageError } from '../../src/ts/errors.js';
import { countDiff, encodeBmp24, encodeBmpIndexed, randomRgb, Rng, sharedData, tempDir, writeFileMkdir, writeMaskPng, writeRgb } from './fixtures.js';

const rng = new Rng(301);

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  try {
    await p;
    assert.unreachable('expected an error');
  } catch (e) {
    assert.instance(e, type, String(e));
    assert.match((e as Error).message, pattern);
    assert.not.match((e as Error).message, /\n/);
  }
}

const byId = (samples: Sample[]) => new Map(samples.map((s) => [s.id, s]));

// ---- real data ----

test('isic2017 sample (shared data): 150 images, 27/40/83, every mask found, labels as in the CSV', async () => {
  const root = join(sharedData(), 'isic2017-sample');
  const { samples, report } = await openDataset(`isic2017:${root}`);
  assert.is(samples.length, 150);
  assert.equal(report.perClass, { melanoma: 27, 'seborrheic keratosis': 40, nevus: 83 });
  assert.equal(report.missing, []);
  const csv = readFileSync(join(root, 'ISIC-2017_Training_Part3_GroundTruth.csv'), 'utf8').trim().split('\n').slice(1);
  const ids = byId(samples);
  for (const line of csv) {
    const [id, mel, sk] = line.trim().split(',');
    const s = ids.get(id)!;
    assert.ok(s, id);
    assert.is(s.labels.melanoma, Number(mel));
    assert.is(s.labels.seborrheic_keratosis, Number(sk));
    assert.ok(s.image.endsWith(`ISIC-2017_Training_Data/${id}.jpg`));
    assert.ok(s.mask!.endsWith(`ISIC-2017_Training_Part1_GroundTruth/${id}_segmentation.png`));
    assert.ok(existsSync(s.mask!));
  }
});

test('derm7pt (shared data): 1011 rows, 252 melanoma, the FCl/FCL case quirk resolved, splits by row', async () => {
  const root = join(sharedData(), 'derm7pt');
  const { samples, report } = await openDataset(`derm7pt:${root}`);
  const rows = readFileSync(join(root, 'meta', 'meta.csv'), 'utf8').trim().split('\n').slice(1);
  assert.is(samples.length, rows.length);
  assert.is(rows.length, 1011);
  assert.equal(report.missing, []);
  assert.is(samples.filter((s) => s.labels.melanoma).length, rows.filter((r) => r.startsWith('melanoma')).length);
  assert.is(samples.filter((s) => s.labels.melanoma).length, 252);
  assert.is(report.perClass['seborrheic keratosis'], 45);
  const quirk = samples.find((s) => s.id === 'FCl/Fcl068')!;
  assert.ok(quirk.image.endsWith(join('images', 'FCL', 'Fcl068.jpg')), quirk.image);
  assert.ok(samples.every((s) => existsSync(s.image)));
  const img = await readRgb(quirk.image);
  assert.equal([img.width, img.height], [384, 384]);

  const indexes = readFileSync(join(root, 'splits', 'asymmetric_train_indexes_filtered.csv'), 'utf8').trim().split('\n').slice(1).map(Number);
  const train = await openDataset(`derm7pt:${root};split=asymmetric_train`);
  assert.is(train.samples.length, indexes.length);
  indexes.forEach((row, k) => assert.is(train.samples[k].id, samples[row].id));
  await rejects(openDataset(`derm7pt:${root};split=nope`), UsageError, /no split 'nope' \(known: .*asymmetric_test/);
});

// ---- ISIC layouts built here ----

/** Write small JPEG images named ISIC_<id>.jpg into `dir`; returns the ids. */
async function isicImages(dir: string, ids: string[]): Promise<void> {
  for (const id of ids) await writeRgb(join(dir, `ISIC_${id}.jpg`), randomRgb(rng, 19, 13), 'jpeg');
}

test('isic2017 official layout: 0.0/1.0 labels, _Segmentation.png variant, metadata CSV ignored, missing files reported', async () => {
  const root = tempDir('isic2017');
  const data = join(root, 'ISIC-2017_Training_Data');
  const gt = join(root, 'ISIC-2017_Training_Part1_GroundTruth');
  await isicImages(data, ['0000001', '0000002', '0000003', '0000004', '0000099']);
  await writeRgb(join(data, 'ISIC_0000001_superpixels.png'), randomRgb(rng, 19, 13));
  await writeMaskPng(join(gt, 'ISIC_0000001_segmentation.png'), new Uint8Array(19 * 13), 19, 13);
  await writeMaskPng(join(gt, 'ISIC_0000002_Segmentation.png'), new Uint8Array(19 * 13), 19, 13);
  await writeMaskPng(join(gt, 'ISIC_0000003_segmentation.png'), new Uint8Array(19 * 13), 19, 13);
  await writeFileMkdir(join(root, 'ISIC-2017_Training_Part3_GroundTruth.csv'),
    'image_id,melanoma,seborrheic_keratosis\r\nISIC_0000001,1.0,0.0\r\nISIC_0000002,0.0,1.0\r\nISIC_0000003,0.0,0.0\r\nISIC_0000004,0.0,0.0\r\nISIC_0000005,1.0,0.0\r\n');
  await writeFileMkdir(join(data, 'ISIC-2017_Training_Data_metadata.csv'), 'image_id,age_approximate,sex\nISIC_0000001,55,female\n');
  const { samples, report } = await openDataset(`isic2017:${root}`);
  assert.equal(samples.map((s) => s.id), ['ISIC_0000001', 'ISIC_0000002', 'ISIC_0000003', 'ISIC_0000004']);
  assert.equal(report.perClass, { melanoma: 1, 'seborrheic keratosis': 1, nevus: 2 });
  const s = byId(samples);
  assert.equal(s.get('ISIC_0000001')!.labels, { melanoma: 1, seborrheic_keratosis: 0, diagnosis: 'melanoma' });
  assert.ok(s.get('ISIC_0000002')!.mask!.endsWith('ISIC_0000002_Segmentation.png'));
  assert.is(s.get('ISIC_0000004')!.mask, undefined);
  assert.is(report.missing.length, 3);
  assert.match(report.missing.join('\n'), /ISIC_0000004_segmentation\.png \(no mask for ISIC_0000004\)/);
  assert.match(report.missing.join('\n'), /ISIC_0000005\.jpg \(listed in .*GroundTruth\.csv, no image found\)/);
  assert.match(report.missing.join('\n'), /ISIC_0000099\.jpg \(no label in /);

  // A second part of the challenge next to it: the user must pick one.
  await isicImages(join(root, 'ISIC-2017_Validation_Data'), ['0000100', '0000101']);
  await writeFileMkdir(join(root, 'ISIC-2017_Validation_Part3_GroundTruth.csv'), 'image_id,melanoma,seborrheic_keratosis\nISIC_0000100,0,1\nISIC_0000101,1,0\n');
  await rejects(openDataset(`isic2017:${root}`), UsageError, /holds training, validation images; pick one with ';split=training'/);
  const val = await openDataset(`isic2017:${root};split=validation`);
  assert.equal(val.samples.map((x) => [x.id, x.labels.diagnosis]), [['ISIC_0000100', 'seborrheic keratosis'], ['ISIC_0000101', 'melanoma']]);
  assert.is((await openDataset(`isic2017:${root};split=train`)).samples.length, 4);
});

test('isic2018 task 3 one-hot CSV and task 1 masks without labels; isic2016 header-less CSV', async () => {
  const root = tempDir('isic2018');
  await isicImages(join(root, 'ISIC2018_Task3_Training_Input'), ['0024306', '0024307', '0024308']);
  await writeFileMkdir(join(root, 'ISIC2018_Task3_Training_GroundTruth', 'ISIC2018_Task3_Training_GroundTruth.csv'),
    'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_0024306,0.0,1.0,0.0,0.0,0.0,0.0,0.0\nISIC_0024307,1.0,0.0,0.0,0.0,0.0,0.0,0.0\nISIC_0024308,0.0,0.0,0.0,1.0,0.0,0.0,0.0\n');
  // 2019-style metadata: lesion_id becomes the split group.
  await writeFileMkdir(join(root, 'ISIC_2019_Training_Metadata.csv'), 'image,age_approx,anatom_site_general,lesion_id,sex\nISIC_0024306,55,,HAM_0000001,male\nISIC_0024307,30,,,female\n');
  const t3 = await openDataset(`isic2018:${root}`);
  assert.equal(t3.samples.map((s) => [s.id, s.labels.melanoma, s.labels.diagnosis, s.group]), [
    ['ISIC_0024306', 0, 'nevus', 'HAM_0000001'],
    ['ISIC_0024307', 1, 'melanoma', undefined],
    ['ISIC_0024308', 0, 'actinic keratosis', undefined],
  ]);

  const t1 = tempDir('isic2018t1');
  await isicImages(join(t1, 'ISIC2018_Task1-2_Training_Input'), ['0000000', '0000001']);
  await writeMaskPng(join(t1, 'ISIC2018_Task1_Training_GroundTruth', 'ISIC_0000000_segmentation.png'), new Uint8Array(19 * 13).fill(1), 19, 13);
  const seg = await openDataset(`isic2018:${t1}`);
  assert.equal(seg.samples.map((s) => [s.id, s.unlabelled, s.mask !== undefined]), [['ISIC_0000000', true, true], ['ISIC_0000001', true, false]]);
  assert.equal(seg.report.perClass, { unlabelled: 2 });

  const y16 = tempDir('isic2016');
  await isicImages(join(y16, 'ISBI2016_ISIC_Part3_Training_Data'), ['0000000', '0000001']);
  await writeFileMkdir(join(y16, 'ISBI2016_ISIC_Part3_Training_GroundTruth.csv'), 'ISIC_0000000,benign\nISIC_0000001,malignant\n');
  const old = await openDataset(`isic2016:${y16}`);
  assert.equal(old.samples.map((s) => [s.id, s.labels.melanoma]), [['ISIC_0000000', 0], ['ISIC_0000001', 1]]);

  await writeFileMkdir(join(y16, 'ISBI2016_ISIC_Part3_Training_GroundTruth.csv'), 'ISIC_0000000,benign\nISIC_0000001,maybe\n');
  await rejects(openDataset(`isic2016:${y16}`), CefmError, /GroundTruth\.csv: line 2: column 2 must be 0 or 1, got 'maybe'/);
});

// ---- HAM10000 ----

test('ham10000: metadata CSV, two image folders, lesion_id kept as group, missing image reported', async () => {
  const root = tempDir('ham');
  await isicImages(join(root, 'HAM10000_images_part_1'), ['0027419', '0025030']);
  await isicImages(join(root, 'HAM10000_images_part_2'), ['0031633', '0027850']);
  await writeFileMkdir(join(root, 'HAM10000_metadata.csv'), [
    'lesion_id,image_id,dx,dx_type,age,sex,localization',
    'HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp',
    'HAM_0000118,ISIC_0025030,bkl,histo,80.0,male,scalp',
    'HAM_0002730,ISIC_0031633,mel,histo,75.0,male,ear',
    'HAM_0001466,ISIC_0027850,nv,follow_up,75.0,male,ear',
    'HAM_0001466,ISIC_0099999,nv,follow_up,75.0,male,ear',
  ].join('\n'));
  const { samples, report } = await openDataset(`ham10000:${root}`);
  assert.equal(samples.map((s) => [s.id, s.group, s.labels.melanoma, s.labels.diagnosis]), [
    ['ISIC_0027419', 'HAM_0000118', 0, 'benign keratosis'],
    ['ISIC_0025030', 'HAM_0000118', 0, 'benign keratosis'],
    ['ISIC_0031633', 'HAM_0002730', 1, 'melanoma'],
    ['ISIC_0027850', 'HAM_0001466', 0, 'nevus'],
  ]);
  assert.ok(samples[2].image.includes('HAM10000_images_part_2'));
  assert.equal(report.missing, ['ISIC_0099999.jpg (listed in HAM10000_metadata.csv, no image found)']);
  await rejects(openDataset(`ham10000:${tempDir('ham-empty')}`), CefmError, /no HAM10000_metadata\.csv/);
});

// ---- PH2 ----

async function ph2Layout(root: string): Promise<Map<string, { image: Uint8Array; mask: Uint8Array }>> {
  const truth = new Map<string, { image: Uint8Array; mask: Uint8Array }>();
  for (const id of ['IMD002', 'IMD003', 'IMD010', 'IMD017']) {
    const [w, h] = [23, 15];
    const img = randomRgb(rng, w, h);
    const bits = Uint8Array.from({ length: w * h }, () => rng.int(2));
    const dir = join(root, 'PH2 Dataset images', id);
    await writeFileMkdir(join(dir, `${id}_Dermoscopic_Image`, `${id}.bmp`), encodeBmp24(img));
    if (id !== 'IMD017') await writeFileMkdir(join(dir, `${id}_lesion`, `${id}_lesion.bmp`), encodeBmpIndexed(bits, w, h, 1, [[0, 0, 0], [255, 255, 255]]));
    truth.set(id, { image: img.data, mask: bits });
  }
  return truth;
}

test('ph2: 24-bit images and 1-bit masks decoded, spreadsheet-style CSV with X marks', async () => {
  const root = tempDir('ph2');
  const truth = await ph2Layout(root);
  // As exported from PH2_dataset.xlsx: a title row, a two-row header under merged cells.
  await writeFileMkdir(join(root, 'PH2_dataset.csv'), [
    'PH2 Dataset,,,,,',
    'Image Name,Histological Diagnosis,Clinical Diagnosis,,,Asymmetry',
    ',,Common Nevus,Atypical Nevus,Melanoma,',
    'IMD002,,X,,,0',
    'IMD003,,,X,,0',
    'IMD010,,,,X,2',
    'IMD017,,X,,,1',
    ',,,,,',
  ].join('\r\n'));
  const { samples, report } = await openDataset(`ph2:${root}`);
  assert.equal(samples.map((s) => [s.id, s.labels.melanoma, s.labels.diagnosis]), [
    ['IMD002', 0, 'common nevus'],
    ['IMD003', 0, 'atypical nevus'],
    ['IMD010', 1, 'melanoma'],
    ['IMD017', 0, 'common nevus'],
  ]);
  assert.equal(report.perClass, { 'common nevus': 2, 'atypical nevus': 1, melanoma: 1 });
  assert.equal(report.missing, ['IMD017/IMD017_lesion/IMD017_lesion.bmp (no mask for IMD017)']);
  for (const s of samples) {
    const img = await readRgb(s.image);
    assert.is(countDiff(img.data, truth.get(s.id)!.image), 0, s.id);
    if (s.mask) assert.is(countDiff((await readMask(s.mask, img)).data, truth.get(s.id)!.mask), 0, s.id);
  }
});

test('ph2: TSV with a Clinical Diagnosis column of 0/1/2; no table is an error', async () => {
  const root = tempDir('ph2tsv');
  await ph2Layout(root);
  await writeFileMkdir(join(root, 'PH2_dataset.tsv'), 'Image Name\tClinical Diagnosis\nIMD002\t2\nIMD003\t1\nIMD010\t0\n');
  const { samples, report } = await openDataset(`ph2:${root}`);
  assert.equal(samples.map((s) => [s.id, s.labels.diagnosis]), [['IMD002', 'melanoma'], ['IMD003', 'atypical nevus'], ['IMD010', 'common nevus']]);
  assert.match(report.missing.join('\n'), /IMD017\.bmp \(no label in .*PH2_dataset\.tsv\)/);
  await rejects(openDataset(`ph2:${tempDir('ph2none')}`), CefmError, /no PH2 labels table/);
});

// ---- folder and csv ----

test('folder: class folders, melanoma and SK names recognised, stray files ignored', async () => {
  const root = tempDir('folder');
  await writeRgb(join(root, 'melanoma', 'a.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  await writeRgb(join(root, 'melanoma', 'b.png'), randomRgb(rng, 9, 7), 'png');
  await writeRgb(join(root, 'nevus', 'c.png'), randomRgb(rng, 9, 7), 'png');
  await writeRgb(join(root, 'seborrheic_keratosis', 'd.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  await writeFileMkdir(join(root, 'nevus', 'notes.txt'), 'not an image');
  await writeRgb(join(root, 'loose.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  const { samples, report } = await openDataset(`folder:${root}`);
  assert.equal(samples.map((s) => [s.id, s.labels.melanoma, s.labels.seborrheic_keratosis]), [
    ['melanoma/a', 1, 0],
    ['melanoma/b', 1, 0],
    ['nevus/c', 0, 0],
    ['seborrheic_keratosis/d', 0, 1],
  ]);
  assert.equal(report.perClass, { melanoma: 2, nevus: 1, seborrheic_keratosis: 1 });
  await rejects(openDataset(`folder:${tempDir('folder-empty')}`), CefmError, /no images in class folders/);
});

test('csv: header with masks, names without extension, images= option; header-less 0/1 labels', async () => {
  const root = tempDir('csvds');
  const imgs = join(root, 'pics');
  await writeRgb(join(imgs, 'one.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  await writeRgb(join(imgs, 'Two.PNG'), randomRgb(rng, 9, 7), 'png');
  await writeMaskPng(join(imgs, 'one_mask.png'), new Uint8Array(63), 9, 7);
  await writeFileMkdir(join(root, 'labels', 'train.csv'), 'image,label,mask\none,melanoma,one_mask.png\ntwo.png,nevus,\nthree.jpg,nevus,\n"one",MEL,absent.png\n');
  const { samples, report } = await openDataset(`csv:${join(root, 'labels', 'train.csv')};images=${imgs}`);
  assert.equal(samples.map((s) => [s.id, s.labels.melanoma, s.labels.diagnosis, s.mask?.endsWith('one_mask.png') ?? false]), [
    ['one', 1, 'melanoma', true],
    ['two', 0, 'nevus', false],
    ['one', 1, 'MEL', false],
  ]);
  assert.ok(samples[1].image.endsWith('Two.PNG'));
  assert.equal(report.missing.length, 2);
  assert.match(report.missing[0], /three\.jpg \(line 4 of .*train\.csv\)/);
  assert.match(report.missing[1], /absent\.png \(mask on line 5/);

  const flat = tempDir('csvflat');
  await writeRgb(join(flat, 'x.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  await writeRgb(join(flat, 'y.jpg'), randomRgb(rng, 9, 7), 'jpeg');
  await writeFileMkdir(join(flat, 'list.csv'), 'x.jpg,1\ny.jpg,0.0\n');
  const binary = await openDataset(`csv:${flat}`);
  assert.equal(binary.samples.map((s) => [s.id, s.labels.melanoma, s.labels.diagnosis]), [['x', 1, 'melanoma'], ['y', 0, 'other']]);
  await writeFileMkdir(join(flat, 'other.csv'), 'a,b\n');
  await rejects(openDataset(`csv:${flat}`), CefmError, /expected one CSV in the folder, found 2/);
});

// ---- specs ----

test('specs: format:path;key=value, unknown format/option, missing folder, several combined', async () => {
  assert.equal(parseSpec('derm7pt:/a/b:c;split=x'), { format: 'derm7pt', path: '/a/b:c', options: { split: 'x' } });
  assert.throws(() => parseSpec('imagenet:/x'), (e: Error) => e instanceof UsageError && /format one of isic, isic2016/.test(e.message));
  assert.throws(() => parseSpec('/just/a/path'), (e: Error) => e instanceof UsageError);
  assert.throws(() => parseSpec('folder:'), /missing path/);
  await rejects(openDataset(`folder:${tempDir('opt')};colour=blue`), UsageError, /unknown option 'colour' \(it takes no options\)/);
  await rejects(openDataset('ph2:/no/such/folder'), CefmError, /^\/no\/such\/folder: ph2 dataset not found$/);
  const root = join(sharedData(), 'isic2017-sample');
  const both = await openDatasets([`isic2017:${root}`, `derm7pt:${join(sharedData(), 'derm7pt')};split=asymmetric_valid`]);
  assert.is(both.reports.length, 2);
  assert.is(both.samples.length, 150 + both.reports[1].count);
  assert.ok(both.samples[0].source.startsWith('isic2017:') && both.samples[150].source.startsWith('derm7pt:'));
});

test.run();
